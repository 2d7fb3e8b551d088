/** Integrity checks and restore drills of one host (lib/verify), newest first, for hosts in the token's scope. */
import { z } from "zod";
import { database } from "@/lib/db/current";
import { checkRunsOfHost, drillRunsOfHost } from "@/lib/verify/store";
import { defineEndpoint, hostParams } from "../endpoint";

const outcome = z.enum(["running", "ok", "failed", "interrupted", "cancelled", "timeout"]).describe("ok = passed");
const ms = z.number().int().nullable();

export const getHostVerification = defineEndpoint({
  id: "getHostVerification",
  method: "GET",
  path: "/hosts/{host}/verification",
  tag: "fleet",
  summary: "The host's recent integrity checks (borg check) and restore drills, newest first",
  action: "host:view",
  params: hostParams,
  query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20).describe("Runs of each kind") }),
  response: z.object({
    checks: z.array(
      z.object({
        id: z.number().int(),
        site: z.string(),
        kind: z.enum(["repository", "archives"]),
        verifyData: z.boolean(),
        startedAt: z.number().int(),
        endedAt: ms,
        outcome,
        message: z.string().nullable().describe("borg's own messages, clipped"),
        requestedBy: z.string().nullable(),
      }),
    ),
    drills: z.array(
      z.object({
        id: z.number().int(),
        site: z.string(),
        archive: z.string().nullable(),
        startedAt: z.number().int(),
        endedAt: ms,
        outcome,
        files: z.number().int(),
        bytes: z.number(),
        mismatched: z.number().int().describe("Restored files whose bytes differed from the reference (see method)"),
        missing: z.number().int(),
        method: z
          .enum(["chunk-ids", "stream"])
          .nullable()
          .describe("What the restored files were checked against: the chunk ids the archive recorded, or borg extract --stdout (null: no verdict)"),
        message: z.string().nullable(),
        requestedBy: z.string().nullable(),
      }),
    ),
  }),
  async handle({ params, query }) {
    const db = database();
    return {
      checks: checkRunsOfHost(db, params.host, query.limit).map(({ id, site, kind, verifyData, startedAt, endedAt, outcome, message, requestedBy }) => ({
        id,
        site,
        kind,
        verifyData,
        startedAt,
        endedAt,
        outcome,
        message,
        requestedBy,
      })),
      drills: drillRunsOfHost(db, params.host, query.limit).map(
        ({ id, site, archive, startedAt, endedAt, outcome, files, bytes, mismatched, missing, details, message, requestedBy }) => ({
          id,
          site,
          archive,
          startedAt,
          endedAt,
          outcome,
          files,
          bytes,
          mismatched,
          missing,
          // Rows written before drills checked chunk ids have no method: they compared with the stream.
          method: details ? (details.method ?? "stream") : null,
          message,
          requestedBy,
        }),
      ),
    };
  },
});
