/**
 * The steps every archive-browser route handler takes, in this order: authorise (the host is the one
 * input read before that), validate the rest with zod, resolve the archive (unknown or forged → 404),
 * then open its index (which starts the build the first time).
 */
import type { z } from "zod";
import { authorize, authorizeRole } from "@/lib/auth/guard";
import type { Principal } from "@/lib/auth/policy";
import { resolveArchive, type ArchiveRef } from "../locate";
import { hostParamSchema, searchParamsObject, type archiveParamsSchema } from "./api";
import type { ArchiveIndexes } from "./manager";
import { getArchiveIndexes } from "./runtime";

export const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { "Cache-Control": "no-store" } });

export type Prepared<S extends typeof archiveParamsSchema> =
  | { ok: true; principal: Principal; params: z.output<S>; ref: ArchiveRef; indexes: ArchiveIndexes }
  | { ok: false; response: Response };

export async function prepareArchiveRequest<S extends typeof archiveParamsSchema>(url: URL, schema: S): Promise<Prepared<S>> {
  const host = hostParamSchema.safeParse(url.searchParams.get("host") ?? "");
  // Without a usable host there is nothing to check the scope against: the role check still comes first.
  const principal = host.success ? await authorize("archive:browse", host.data) : await authorizeRole("archive:browse");
  if (!host.success) return { ok: false, response: json({ error: "host: expected a host name" }, 400) };
  const parsed = schema.safeParse(searchParamsObject(url.searchParams));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`);
    return { ok: false, response: json({ error: problems.join("; ") }, 400) };
  }
  const params = parsed.data as z.output<S>;
  const ref = await resolveArchive(params.host, params.site ?? null, params.archive);
  if (!ref) return { ok: false, response: json({ error: "No such archive." }, 404) };
  const indexes = getArchiveIndexes();
  if (!indexes) return { ok: false, response: json({ error: "The archive index is not available (the server has no configuration)." }, 503) };
  return { ok: true, principal, params, ref, indexes };
}
