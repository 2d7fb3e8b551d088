/** The audit log, newest first (admin tokens only: "audit:read"). */
import { z } from "zod";
import { queryAudit } from "@/lib/audit/log";
import { database } from "@/lib/db/current";
import { defineEndpoint } from "../endpoint";
import { problem } from "../problem";
import { decodeCursor, encodeCursor, pageQuerySchema, pageSchema } from "../pagination";

export const listAudit = defineEndpoint({
  id: "listAudit",
  method: "GET",
  path: "/audit",
  tag: "audit",
  summary: "Audit log: who signed in, was refused, browsed, restored, downloaded or changed what",
  action: "audit:read",
  query: pageQuerySchema.extend({
    username: z.string().max(300).optional().describe("Exact actor, e.g. alice or token ansible"),
    action: z.string().max(200).optional(),
    host: z.string().max(300).optional(),
    outcome: z.enum(["ok", "refused", "failed"]).optional(),
  }),
  response: pageSchema(
    z.object({
      id: z.number().int(),
      at: z.number().int(),
      username: z.string().nullable(),
      address: z.string().nullable(),
      action: z.string(),
      host: z.string().nullable(),
      archive: z.string().nullable(),
      paths: z.string().nullable().describe("JSON array of the paths involved, clipped"),
      outcome: z.enum(["ok", "refused", "failed"]),
      reason: z.string().nullable(),
    }),
  ),
  async handle({ query }) {
    const after = decodeCursor(query.cursor);
    if (after === null || typeof after === "string") return problem(400, "Invalid query: cursor: not a cursor of this API");
    const { limit, cursor: _cursor, ...filter } = query;
    const rows = queryAudit(database(), { ...filter, limit: limit + 1, beforeId: after });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null };
  },
});
