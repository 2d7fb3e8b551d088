/**
 * The request parameters every archive surface accepts (route handlers, pages, server actions), defined
 * once: which archive (host, optional site, archive name) and archive paths (pathParam-encoded, see
 * pathParam.ts). A path is decoded and checked here and nowhere else: what leaves these schemas is
 * bytes that borg may be given (relative, no "", "." or ".." component, no NUL, at most 4096 bytes).
 *
 * The archive name is not checked beyond its length: a name borg could not have created simply does
 * not resolve (lib/archives/locate.ts), so a forged name and a missing one get the same "not found".
 */
import { z } from "zod";
import { archivePathProblem } from "@/lib/borg/archivePaths";
import { hostNameSchema, siteNameSchema } from "@/lib/config/schema";
import { decodePathParam } from "./pathParam";

/** Longer than any encoded 4096-byte path (base64 grows by 4/3), short enough to refuse junk unread. */
const MAX_PATH_PARAM = 16_384;

/** The bytes of a path parameter, or a zod issue saying why they may not be given to borg. */
function checkedPath(value: string, ctx: z.RefinementCtx): Buffer {
  const bytes = decodePathParam(value);
  const problem = bytes ? archivePathProblem(bytes) : "not a valid path parameter";
  if (!bytes || problem) {
    ctx.addIssue({ code: "custom", message: problem ?? "not a valid path parameter" });
    return z.NEVER;
  }
  return bytes;
}

/** One archive path: the checked bytes. */
export const archivePathSchema = z.string().max(MAX_PATH_PARAM).transform(checkedPath);

/** A folder to list: "" (or "/") is the archive's top level (no bytes); leading and trailing "/" are ignored. */
export const folderPathSchema = z
  .string()
  .max(MAX_PATH_PARAM)
  .transform((value, ctx) => {
    const trimmed = value.replace(/^\/+|\/+$/g, "");
    return trimmed === "" ? Buffer.alloc(0) : checkedPath(trimmed, ctx);
  });

/** An empty site field (an HTML form's unset select) means "no site given". */
const optionalSite = z.union([siteNameSchema, z.literal("").transform(() => undefined)]).optional();

/** Which archive: the fields every archive request has. */
export const archiveFieldsSchema = z.object({
  host: hostNameSchema,
  site: optionalSite,
  archive: z.string().min(1).max(1024),
});
export type ArchiveFields = z.output<typeof archiveFieldsSchema>;

/** The first value of a query parameter Next hands a page (a repeated one arrives as an array). */
export const firstValue = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);
