/**
 * Errors of the automation API as RFC 9457 problem details (`application/problem+json`): a status, a
 * short title per status, and a detail that says what to fix. One shape for every /api/v1 error.
 */
import { z } from "zod";

export const problemSchema = z.object({
  type: z.string().describe("A URI naming the problem type; about:blank for plain HTTP errors"),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
});

type Problem = z.output<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export function problem(status: number, detail?: string, headers: Record<string, string> = {}): Response {
  const body: Problem = { type: "about:blank", title: TITLES[status] ?? "Error", status, ...(detail ? { detail } : {}) };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store", ...headers },
  });
}
