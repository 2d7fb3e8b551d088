"use server";

/**
 * "Run check now" / "Run drill now" on the host page: starts an integrity check (repository or
 * archives) or a restore drill on one repo of a host, through the maintenance scheduler (lib/verify),
 * which shares the borg slots with the collector, never runs two jobs on one repo, never checks a repo
 * a backup holds, and records and audits the run with the user's name when it ends.
 * Authorised here ("repo:check": operators in scope and admins), input validated, request audited.
 */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { hostRepos } from "@/lib/archives/locate";
import { auditRequest } from "@/lib/audit/request";
import { authorize, authorizeRole } from "@/lib/auth/guard";
import { hostNameSchema, siteNameSchema } from "@/lib/config/schema";
import { hostPath } from "@/lib/publicUrl";
import { getMaintenanceScheduler, type JobResult } from "@/lib/verify/scheduler";

export interface VerifyActionResult {
  ok: boolean;
  message: string;
}

const inputSchema = z.object({
  host: hostNameSchema,
  site: siteNameSchema,
  job: z.enum(["repository", "archives", "drill"]),
});

/** How long the action waits for a quick answer (busy, already running, a small repo done). */
const ANSWER_WITHIN_MS = 3_000;

export async function runVerifyAction(_prev: VerifyActionResult | null, formData: FormData): Promise<VerifyActionResult> {
  await authorizeRole("repo:check");
  const field = (name: string) => (formData instanceof FormData ? formData.get(name) : undefined);
  const parsed = inputSchema.safeParse({ host: field("host"), site: field("site"), job: field("job") });
  if (!parsed.success) return { ok: false, message: "Invalid request." };
  const { host, site, job } = parsed.data;
  const principal = await authorize("repo:check", host);

  const scheduler = getMaintenanceScheduler();
  const repo = (await hostRepos(host)).find((r) => r.site === site);
  if (!scheduler || !repo) {
    await auditRequest({
      username: principal.username,
      action: "repo:check",
      host,
      paths: [`${site}:${job}`],
      outcome: "failed",
      reason: scheduler ? "unknown repo" : "checks do not run here",
    });
    return {
      ok: false,
      message: scheduler ? `${host} has no repo at site ${site}.` : "This dashboard does not run checks (it reads its fleet from Prometheus).",
    };
  }
  await auditRequest({ username: principal.username, action: "repo:check", host, paths: [`${site}:${job}`], outcome: "ok", reason: "run now requested" });

  const target = { repoId: repo.repoId, host: repo.host, site: repo.site, target: repo.target };
  const running = job === "drill" ? scheduler.runDrill(target, principal.username) : scheduler.runCheck(target, job, principal.username);
  const answer = await Promise.race([running, new Promise<null>((resolve) => setTimeout(() => resolve(null), ANSWER_WITHIN_MS))]);
  revalidatePath(hostPath(host));
  return describe(answer, job);
}

function describe(answer: JobResult | null, job: "repository" | "archives" | "drill"): VerifyActionResult {
  const what = job === "drill" ? "Restore drill" : `${job === "repository" ? "Repository" : "Archives"} check`;
  if (answer === null) return { ok: true, message: `${what} started; reload the page to see its result.` };
  if (answer.status !== "done") return { ok: false, message: answer.message };
  return answer.outcome === "ok"
    ? { ok: true, message: `${what} passed.` }
    : { ok: false, message: `${what} ${answer.outcome}: ${answer.message ?? ""}`.trim() };
}
