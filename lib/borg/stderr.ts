/**
 * Reads what borg writes to stderr under --log-json: one JSON object per line (log messages,
 * progress, questions, file status), mixed with plain text that does not go through borg's logging
 * (argument errors printed before logging is set up, Python's own fatal errors, and anything ssh
 * writes straight to the inherited stderr). Every line is parsed on its own, and a line that is not
 * JSON, or JSON of an unknown shape, is kept as text instead of failing the whole parse.
 */
import { borgLogLineSchema, borgProgressLineSchema, borgQuestionLineSchema, borgFileStatusLineSchema } from "./schemas";

export type BorgStderrEntry =
  | { kind: "log"; levelname: string; message: string; msgid?: string; name?: string; time?: number }
  | { kind: "progress"; line: Record<string, unknown> }
  | { kind: "question"; type: string; msgid?: string; message: string }
  | { kind: "file-status"; status: string; path: string }
  | { kind: "plain"; text: string };

export function parseBorgStderrLine(line: string): BorgStderrEntry | null {
  const text = line.replace(/\r$/, "");
  if (text.trim().length === 0) return null;
  if (!text.trimStart().startsWith("{")) return { kind: "plain", text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "plain", text };
  }
  const log = borgLogLineSchema.safeParse(value);
  if (log.success) {
    const { levelname, message, msgid, name, time } = log.data;
    return { kind: "log", levelname, message, ...(msgid ? { msgid } : {}), ...(name ? { name } : {}), ...(time !== undefined ? { time } : {}) };
  }
  const question = borgQuestionLineSchema.safeParse(value);
  if (question.success) {
    return { kind: "question", type: question.data.type, message: question.data.message ?? "", ...(question.data.msgid ? { msgid: question.data.msgid } : {}) };
  }
  const progress = borgProgressLineSchema.safeParse(value);
  if (progress.success) return { kind: "progress", line: value as Record<string, unknown> };
  const status = borgFileStatusLineSchema.safeParse(value);
  if (status.success) return { kind: "file-status", status: status.data.status, path: status.data.path };
  return { kind: "plain", text };
}

export function parseBorgStderr(stderr: string): BorgStderrEntry[] {
  const out: BorgStderrEntry[] = [];
  for (const line of stderr.split("\n")) {
    const entry = parseBorgStderrLine(line);
    if (entry) out.push(entry);
  }
  return out;
}

/** Warnings borg logged (exit code 1 means "finished, with warnings"; these say which). */
export function borgWarnings(entries: BorgStderrEntry[]): string[] {
  return entries.filter((e): e is Extract<BorgStderrEntry, { kind: "log" }> => e.kind === "log" && e.levelname === "WARNING").map((e) => e.message);
}
