/** The report's period: one calendar month in UTC, chosen as `?month=YYYY-MM`. */
import { z } from "zod";

const DAY_MS = 86_400_000;

const monthParamSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month as YYYY-MM, such as 2026-12")
  .refine((m) => Number(m.slice(0, 4)) >= 2000 && Number(m.slice(0, 4)) <= 2200, "expected a year between 2000 and 2200");

export interface ReportMonth {
  /** "2026-12" */
  key: string;
  /** First instant of the month (UTC), epoch ms. */
  start: number;
  /** First instant of the next month, epoch ms. */
  end: number;
  /** Each day's first instant, in order. */
  days: number[];
}

export function monthOf(key: string): ReportMonth {
  const year = Number(key.slice(0, 4));
  const month = Number(key.slice(5, 7)) - 1;
  const start = Date.UTC(year, month, 1);
  const end = Date.UTC(year, month + 1, 1);
  const days: number[] = [];
  for (let d = start; d < end; d += DAY_MS) days.push(d);
  return { key, start, end, days };
}

export function monthKeyAt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** The month a request asked for, or the current one when none; null (a 400 / an error) when malformed. */
export function parseMonthParam(value: string | string[] | null | undefined, now: number): ReportMonth | null {
  if (value === undefined || value === null || value === "") return monthOf(monthKeyAt(now));
  const parsed = monthParamSchema.safeParse(value);
  return parsed.success ? monthOf(parsed.data) : null;
}

/** "2026-12-05" */
export function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Monday 00:00 UTC of the ISO week holding `ms`: checks count for the week they passed in. */
export function weekStart(ms: number): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - weekday * DAY_MS;
}

export function shiftMonth(key: string, by: number): string {
  const year = Number(key.slice(0, 4));
  const month = Number(key.slice(5, 7)) - 1 + by;
  return monthKeyAt(Date.UTC(year, month, 1));
}
