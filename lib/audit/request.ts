/**
 * The audit row of the request being served: the database and the client address come from the
 * request itself, so callers say only what happened. Pages and server actions read the address from
 * next/headers; route handlers may pass their Request (same headers, no request-scope lookup).
 */
import { headers } from "next/headers";
import { database } from "@/lib/db/current";
import { clientAddressOf } from "@/lib/net/requestContext";
import { audit, type AuditEntry } from "./log";

export type RequestAuditEntry = Omit<AuditEntry, "address">;

/** The client address of this request ("unknown" without the production server wrapper). */
export async function requestClientAddress(request?: Request): Promise<string> {
  return clientAddressOf(request ? request.headers : await headers()) ?? "unknown";
}

export async function auditRequest(entry: RequestAuditEntry, request?: Request): Promise<void> {
  audit(database(), { ...entry, address: await requestClientAddress(request) });
}
