/**
 * The compliance report as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break
 * quoted, quotes doubled). One row per host and day. A cell that a spreadsheet would run as a formula
 * (starting with = + - @, or a tab / carriage return) is prefixed with a single quote (OWASP's advice):
 * host names come from the fleet and must never execute in an auditor's spreadsheet.
 */
import type { ComplianceReport } from "./compliance";

const CSV_HEADER = [
  "host",
  "date",
  "archives",
  "archive_made",
  "check_passed_that_week",
  "drill_passed_that_week",
  "within_threshold",
  "threshold_seconds",
  "rpo_compliance",
] as const;

export function csvCell(value: string | number | boolean | null): string {
  let text = value === null ? "" : typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !(typeof value === "number")) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(values: readonly (string | number | boolean | null)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

/** The whole file; rows for days not judged yet (after now) say so with an empty within_threshold. */
export function reportCsv(report: ComplianceReport): string {
  const lines = [csvLine(CSV_HEADER)];
  for (const host of report.hosts) {
    const rpo = host.rpoCompliance === null ? null : host.rpoCompliance.toFixed(4);
    host.days.forEach((day, i) => {
      lines.push(
        csvLine([
          host.host,
          report.dayKeys[i]!,
          day.archives,
          day.archives > 0,
          day.checkPassed,
          day.drillPassed,
          day.withinThreshold,
          host.thresholdSeconds,
          rpo,
        ]),
      );
    });
  }
  return lines.join("");
}
