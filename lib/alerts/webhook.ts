/**
 * Alertmanager's webhook payload (version 4), validated with zod before anything is stored.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 *
 * Bounds keep a hostile or broken sender from filling the database: the body itself is capped in the
 * route handler (MAX_BODY_BYTES), and every string, map and list here has a limit well above what
 * Alertmanager sends for this project's rules.
 */
import { createHash } from "node:crypto";
import { z } from "zod";

/** Largest request body the inbox reads; larger ones are refused with 413 before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_ALERTS_PER_NOTIFICATION = 1000;
const MAX_LABELS = 64;
const MAX_LABEL_VALUE = 1024;
const MAX_ANNOTATIONS = 32;
const MAX_ANNOTATION_VALUE = 16 * 1024;
const MAX_URL = 4096;

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/, "invalid label name");

function boundedMap(maxEntries: number, maxValue: number) {
  return z.record(labelName, z.string().max(maxValue)).refine((m) => Object.keys(m).length <= maxEntries, { message: `at most ${maxEntries} entries` });
}

/** Alertmanager prints Go times: RFC 3339 with up to nanoseconds, "0001-01-01T00:00:00Z" for "none". */
const goTime = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "expected an RFC 3339 time" });
      return z.NEVER;
    }
    // Go's zero time (year 1) means "not set".
    return ms <= Date.UTC(1970, 0, 1) ? null : ms;
  });

const webhookAlertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: boundedMap(MAX_LABELS, MAX_LABEL_VALUE).refine((l) => typeof l.alertname === "string" && l.alertname.length > 0, {
    message: "labels.alertname is required",
  }),
  annotations: boundedMap(MAX_ANNOTATIONS, MAX_ANNOTATION_VALUE).default({}),
  startsAt: goTime,
  endsAt: goTime.optional(),
  generatorURL: z.string().max(MAX_URL).optional().default(""),
  /** Alertmanager's fingerprint of the label set (16 hex digits); computed here when missing. */
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{1,64}$/)
    .optional(),
});

export const webhookSchema = z.object({
  version: z.literal("4"),
  groupKey: z.string().max(8192).optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string().max(256).optional(),
  groupLabels: boundedMap(MAX_LABELS, MAX_LABEL_VALUE).optional(),
  commonLabels: boundedMap(MAX_LABELS, MAX_LABEL_VALUE).optional(),
  commonAnnotations: boundedMap(MAX_ANNOTATIONS, MAX_ANNOTATION_VALUE).optional(),
  externalURL: z.string().max(MAX_URL).optional(),
  alerts: z.array(webhookAlertSchema).max(MAX_ALERTS_PER_NOTIFICATION),
});

export type WebhookPayload = z.output<typeof webhookSchema>;

/** A fingerprint for senders that do not send one: hash of the sorted label set. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(labels).sort()) hash.update(`${key}\u0000${labels[key]}\u0000`);
  return hash.digest("hex").slice(0, 16);
}
