/**
 * The alert inbox: what Alertmanager posted to /api/alerts, one row per alert fingerprint (SQLite,
 * table `alerts`, lib/db/schema.ts migration 2). Repeated notifications of the same alert (repeat
 * interval, retried webhooks, the same alert in two groups) update the one row.
 *
 * Out-of-order deliveries are ignored: a notification about an older episode of an alert (earlier
 * startsAt) or a late "firing" for an episode already known to be resolved does not overwrite it.
 */
import type { Db } from "@/lib/db";
import { hostNameSchema, siteNameSchema } from "@/lib/config/schema";
import { labelsFingerprint, type WebhookPayload } from "./webhook";
import { processGlobal } from "@/lib/processGlobal";

/** A firing alert that Alertmanager has not notified again for this long is no longer shown. */
export const FIRING_EXPIRES_AFTER_MS = 24 * 60 * 60 * 1000;
/** Resolved alerts are kept this long (for the record), then deleted. */
const RESOLVED_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface StoredAlert {
  fingerprint: string;
  alertname: string;
  status: "firing" | "resolved";
  severity: string | null;
  /** The `host` label when it is a valid host name (else null: the alert is not tied to a host page). */
  host: string | null;
  site: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number | null;
  generatorUrl: string | null;
  firstReceivedAt: number;
  lastReceivedAt: number;
}

interface Row {
  fingerprint: string;
  alertname: string;
  status: "firing" | "resolved";
  severity: string | null;
  host: string | null;
  site: string | null;
  labels_json: string;
  annotations_json: string;
  starts_at: number;
  ends_at: number | null;
  generator_url: string | null;
  first_received_at: number;
  last_received_at: number;
}

function fromRow(row: Row): StoredAlert {
  return {
    fingerprint: row.fingerprint,
    alertname: row.alertname,
    status: row.status,
    severity: row.severity,
    host: row.host,
    site: row.site,
    labels: JSON.parse(row.labels_json) as Record<string, string>,
    annotations: JSON.parse(row.annotations_json) as Record<string, string>,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    generatorUrl: row.generator_url,
    firstReceivedAt: row.first_received_at,
    lastReceivedAt: row.last_received_at,
  };
}

export interface IngestResult {
  /** Alerts stored or updated. */
  stored: number;
  /** Alerts ignored as older than what is stored. */
  ignored: number;
}

export class AlertStore {
  constructor(private readonly db: Db) {}

  ingest(payload: WebhookPayload, receivedAt: number): IngestResult {
    const select = this.db.prepare<[string], Pick<Row, "status" | "starts_at">>(`SELECT status, starts_at FROM alerts WHERE fingerprint = ?`);
    const upsert = this.db.prepare(
      `INSERT INTO alerts (fingerprint, alertname, status, severity, host, site, labels_json, annotations_json,
                           starts_at, ends_at, generator_url, first_received_at, last_received_at)
       VALUES (@fingerprint, @alertname, @status, @severity, @host, @site, @labels, @annotations,
               @startsAt, @endsAt, @generatorUrl, @receivedAt, @receivedAt)
       ON CONFLICT (fingerprint) DO UPDATE SET
         alertname = excluded.alertname, status = excluded.status, severity = excluded.severity,
         host = excluded.host, site = excluded.site, labels_json = excluded.labels_json,
         annotations_json = excluded.annotations_json, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
         generator_url = excluded.generator_url, last_received_at = excluded.last_received_at,
         first_received_at = CASE WHEN alerts.starts_at = excluded.starts_at THEN alerts.first_received_at
                                  ELSE excluded.first_received_at END`,
    );
    const result: IngestResult = { stored: 0, ignored: 0 };
    this.db.transaction(() => {
      for (const alert of payload.alerts) {
        const fingerprint = alert.fingerprint ?? labelsFingerprint(alert.labels);
        const startsAt = alert.startsAt ?? receivedAt;
        const existing = select.get(fingerprint);
        if (existing) {
          const olderEpisode = startsAt < existing.starts_at;
          const lateFiring = startsAt === existing.starts_at && existing.status === "resolved" && alert.status === "firing";
          if (olderEpisode || lateFiring) {
            result.ignored++;
            continue;
          }
        }
        const host = hostNameSchema.safeParse(alert.labels.host);
        const site = siteNameSchema.safeParse(alert.labels.site);
        upsert.run({
          fingerprint,
          alertname: alert.labels.alertname!,
          status: alert.status,
          severity: alert.labels.severity ?? null,
          host: host.success ? host.data : null,
          site: site.success ? site.data : null,
          labels: JSON.stringify(alert.labels),
          annotations: JSON.stringify(alert.annotations),
          startsAt,
          endsAt: alert.status === "resolved" ? (alert.endsAt ?? receivedAt) : null,
          generatorUrl: alert.generatorURL || null,
          receivedAt,
        });
        result.stored++;
      }
      this.db.prepare(`DELETE FROM alerts WHERE status = 'resolved' AND last_received_at < ?`).run(receivedAt - RESOLVED_RETENTION_MS);
    })();
    return result;
  }

  /** Alerts firing now (optionally of one host), oldest first. */
  firing(now: number, filter: { host?: string } = {}): StoredAlert[] {
    const since = now - FIRING_EXPIRES_AFTER_MS;
    const rows =
      filter.host === undefined
        ? this.db.prepare<[number], Row>(`SELECT * FROM alerts WHERE status = 'firing' AND last_received_at >= ? ORDER BY starts_at, fingerprint`).all(since)
        : this.db
            .prepare<[string, number], Row>(
              `SELECT * FROM alerts WHERE status = 'firing' AND host = ? AND last_received_at >= ? ORDER BY starts_at, fingerprint`,
            )
            .all(filter.host, since);
    return rows.map(fromRow);
  }

  get(fingerprint: string): StoredAlert | null {
    const row = this.db.prepare<[string], Row>(`SELECT * FROM alerts WHERE fingerprint = ?`).get(fingerprint);
    return row ? fromRow(row) : null;
  }
}

const alertStore = processGlobal<AlertStore>("alert-store");

export function setAlertStore(store: AlertStore | undefined): void {
  alertStore.set(store);
}

/** The process's alert inbox, or undefined when the runtime could not open its database. */
export function getAlertStore(): AlertStore | undefined {
  return alertStore.get();
}
