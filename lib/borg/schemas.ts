/**
 * zod schemas for the JSON borg 1.2 prints, checked against real output of borg 1.2.4 (see
 * test/fixtures/borg/). Only the fields the dashboard uses are required; unknown fields are dropped,
 * so a newer borg that adds fields keeps working, and one that changes a used field fails loudly here
 * instead of showing wrong numbers.
 */
import { z } from "zod";
import { parseBorgTimestamp } from "./time";

/** borg's naive timestamp, read as UTC (borg runs with TZ=UTC), as epoch milliseconds. */
export const borgTimestampSchema = z.string().transform((text, ctx) => {
  const ms = parseBorgTimestamp(text);
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: `not a borg timestamp: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return ms;
});

const byteCount = z.number().int().nonnegative();
const hexId = z.string().regex(/^[0-9a-f]{64}$/, "expected a 64-digit hex id");

const encryptionSchema = z.object({
  mode: z.string(),
  keyfile: z.string().optional(),
});

const repositorySchema = z.object({
  id: hexId,
  location: z.string(),
  last_modified: borgTimestampSchema.optional(),
});

/** `borg list --json REPO` */
export const listArchivesOutputSchema = z.object({
  archives: z.array(
    z.object({
      name: z.string(),
      id: hexId,
      start: borgTimestampSchema,
    }),
  ),
  encryption: encryptionSchema.optional(),
  repository: repositorySchema,
});

/** `cache.stats` of `borg info --json` / `borg create --json`: repository-wide figures. */
const cacheStatsSchema = z.object({
  total_chunks: byteCount,
  total_csize: byteCount,
  total_size: byteCount,
  total_unique_chunks: byteCount,
  unique_csize: byteCount,
  unique_size: byteCount,
});

const cacheSchema = z.object({
  path: z.string().optional(),
  stats: cacheStatsSchema,
});

/** `borg info --json REPO` */
export const repoInfoOutputSchema = z.object({
  cache: cacheSchema,
  encryption: encryptionSchema.optional(),
  repository: repositorySchema,
  security_dir: z.string().optional(),
});

const archiveStatsSchema = z.object({
  original_size: byteCount,
  compressed_size: byteCount,
  deduplicated_size: byteCount,
  nfiles: byteCount,
});

/** One archive in `borg info --json REPO::ARCHIVE` (or `--last N REPO`) and `borg create --json`. */
const archiveDetailSchema = z.object({
  name: z.string(),
  id: hexId,
  start: borgTimestampSchema,
  end: borgTimestampSchema.nullable().optional(),
  duration: z.number().nonnegative(),
  stats: archiveStatsSchema,
  hostname: z.string().optional(),
  username: z.string().optional(),
  comment: z.string().optional(),
  command_line: z.array(z.string()).optional(),
});

/** `borg info --json REPO::ARCHIVE` and `borg info --json --last N REPO` */
export const archiveInfoOutputSchema = z.object({
  archives: z.array(archiveDetailSchema),
  cache: cacheSchema,
  encryption: encryptionSchema.optional(),
  repository: repositorySchema,
});
export type ArchiveInfoOutput = z.output<typeof archiveInfoOutputSchema>;

/** `borg create --json` */
export const createOutputSchema = z.object({
  archive: archiveDetailSchema,
  cache: cacheSchema,
  encryption: encryptionSchema.optional(),
  repository: repositorySchema,
});
export type CreateOutput = z.output<typeof createOutputSchema>;

/**
 * One line of `borg list --json-lines REPO::ARCHIVE`. Note: `path` here is text with undecodable
 * bytes replaced by "?" (borg's remove_surrogates), so it is NOT exact; listContents uses --format
 * with {bpath} instead. Kept for tools that want the default JSON form.
 */
export const jsonLinesItemSchema = z.object({
  type: z.string().length(1),
  mode: z.string(),
  user: z.union([z.string(), z.number()]),
  group: z.union([z.string(), z.number()]),
  uid: z.number().int(),
  gid: z.number().int(),
  path: z.string(),
  healthy: z.boolean().optional(),
  source: z.string().optional(),
  linktarget: z.string().optional(),
  flags: z.number().int().nullable().optional(),
  size: byteCount.optional(),
  mtime: borgTimestampSchema.optional(),
  isomtime: borgTimestampSchema.optional(),
});

// --- stderr lines under --log-json (borg/logger.py JsonFormatter, helpers/progress.py, helpers/yes_no.py)

export const borgLogLineSchema = z.object({
  type: z.literal("log_message"),
  levelname: z.string(),
  message: z.string(),
  msgid: z
    .string()
    .nullable()
    .optional()
    .transform((v) => v ?? undefined),
  name: z.string().optional(),
  time: z.number().optional(),
});

export const borgQuestionLineSchema = z.object({
  type: z.enum([
    "question_prompt",
    "question_prompt_retry",
    "question_invalid_answer",
    "question_accepted_default",
    "question_accepted_true",
    "question_accepted_false",
    "question_env_answer",
  ]),
  msgid: z
    .string()
    .nullable()
    .optional()
    .transform((v) => v ?? undefined),
  message: z.string().optional(),
});

/** `progress_message` / `progress_percent` (operations like cache sync, extract) and `archive_progress` (create). */
export const borgProgressLineSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("progress_message"),
    operation: z.number().int(),
    msgid: z.string().nullable().optional(),
    finished: z.boolean(),
    message: z.string().optional(),
    time: z.number().optional(),
  }),
  z.object({
    type: z.literal("progress_percent"),
    operation: z.number().int(),
    msgid: z.string().nullable().optional(),
    finished: z.boolean(),
    message: z.string().optional(),
    current: z.number().optional(),
    total: z.number().optional(),
    info: z.array(z.string()).optional(),
    time: z.number().optional(),
  }),
  z.object({
    type: z.literal("archive_progress"),
    original_size: z.number().optional(),
    compressed_size: z.number().optional(),
    deduplicated_size: z.number().optional(),
    nfiles: z.number().optional(),
    path: z.string().optional(),
    finished: z.boolean().optional(),
    time: z.number().optional(),
  }),
]);

export const borgFileStatusLineSchema = z.object({
  type: z.literal("file_status"),
  status: z.string(),
  path: z.string(),
});
