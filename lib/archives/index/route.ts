/**
 * The archive browser's route handlers open their request through the archive request layer
 * (lib/archives/request.ts: access, input, archive, audit), then open the archive's index (which starts
 * the build the first time).
 */
import type { z } from "zod";
import type { Principal } from "@/lib/auth/policy";
import type { ArchiveRef } from "../locate";
import { errorResponse, openArchiveRequest, refusalResponse } from "../request";
import type { ArchiveFields } from "../params";
import { searchParamsObject } from "./api";
import type { ArchiveIndexes } from "./manager";
import { getArchiveIndexes } from "./runtime";

export const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { "Cache-Control": "no-store" } });

export type Prepared<S extends z.ZodType<ArchiveFields>> =
  { ok: true; principal: Principal; params: z.output<S>; ref: ArchiveRef; indexes: ArchiveIndexes } | { ok: false; response: Response };

export async function prepareArchiveRequest<S extends z.ZodType<ArchiveFields>>(request: Request, schema: S): Promise<Prepared<S>> {
  const raw = searchParamsObject(new URL(request.url).searchParams);
  const opened = await openArchiveRequest(raw, { surface: { kind: "route", request }, action: "archive:browse", schema, signal: request.signal });
  if (!opened.ok) return { ok: false, response: refusalResponse(opened.refusal) };
  const indexes = getArchiveIndexes();
  if (!indexes) return { ok: false, response: errorResponse("The archive index is not available (the server has no configuration).", 503) };
  return { ok: true, principal: opened.principal, params: opened.input, ref: opened.ref, indexes };
}
