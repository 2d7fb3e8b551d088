/**
 * Host page: the proof that this host's backups are intact and restorable. Per repo, the newest
 * integrity check of each kind (outcome, age, borg's message when it failed) and the last verified
 * restore (the newest restore drill that passed, and the newest one if it did not). Read from
 * check_runs / drill_runs (lib/verify/store.ts). borg's messages are rendered as text only.
 */
import { runVerifyAction } from "@/app/actions/verify";
import { Bytes } from "@/components/Bytes";
import { TimeAgo } from "@/components/TimeAgo";
import { Card, SectionHeading } from "@/components/ui/Card";
import { CHECK_KINDS } from "@/lib/borg/check";
import { getCurrentConfig } from "@/lib/config/current";
import { database } from "@/lib/db/current";
import { formatDuration } from "@/lib/format";
import { getMaintenanceScheduler } from "@/lib/verify/scheduler";
import { checkSettingsFor, drillSettingsFor } from "@/lib/verify/settings";
import { lastCheckRuns, lastDrillRuns, type CheckRun, type DrillRun, type RunOutcome } from "@/lib/verify/store";
import { RunNowButton } from "./RunNowButton";

const OUTCOME_STYLE: Record<RunOutcome, [string, string]> = {
  ok: ["passed", "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-300"],
  failed: ["failed", "bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300"],
  timeout: ["timed out", "bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300"],
  running: ["running", "bg-sky-100 text-sky-800 dark:bg-sky-900/40 dark:text-sky-300"],
  cancelled: ["cancelled", "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"],
  interrupted: ["interrupted", "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"],
};

function Outcome({ outcome }: { outcome: RunOutcome }) {
  const [label, cls] = OUTCOME_STYLE[outcome];
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium whitespace-nowrap ${cls}`}>{label}</span>;
}

function Message({ text, open }: { text: string | null; open: boolean }) {
  if (!text) return null;
  return (
    <details className="mt-1" open={open}>
      <summary className="cursor-pointer text-xs text-zinc-600 dark:text-zinc-400">borg&apos;s messages</summary>
      <pre data-testid="check-message" className="mt-1 max-h-60 overflow-auto rounded bg-zinc-100 p-2 text-xs whitespace-pre-wrap break-all dark:bg-zinc-950">
        {text}
      </pre>
    </details>
  );
}

function CheckLine({ kind, run, every, now }: { kind: string; run: CheckRun | null; every: number; now: number }) {
  return (
    <div data-check-kind={kind} data-check-outcome={run?.outcome ?? "none"}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <span className="w-24 font-medium">{kind === "repository" ? "Repository" : "Archives"}</span>
        {run ? (
          <>
            <Outcome outcome={run.outcome} />
            <span>
              {run.outcome === "running" ? "started " : "ended "}
              <TimeAgo at={run.endedAt ?? run.startedAt} now={now} />
            </span>
            {run.verifyData ? <span className="text-xs text-zinc-600 dark:text-zinc-400">with --verify-data</span> : null}
            {run.requestedBy ? <span className="text-xs text-zinc-600 dark:text-zinc-400">by {run.requestedBy}</span> : null}
          </>
        ) : (
          <span className="text-zinc-600 dark:text-zinc-400">never checked</span>
        )}
        <span className="text-xs text-zinc-500">{every > 0 ? `every ${formatDuration(every)}` : "scheduled checks off"}</span>
      </div>
      {run && run.outcome !== "ok" ? <Message text={run.message} open={run.outcome === "failed" || run.outcome === "timeout"} /> : null}
    </div>
  );
}

function DrillLine({ last, lastSuccess, every, now }: { last: DrillRun | null; lastSuccess: DrillRun | null; every: number; now: number }) {
  return (
    <div data-drill-outcome={last?.outcome ?? "none"} className="space-y-1 text-sm">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="w-24 font-medium">Last verified restore</span>
        {lastSuccess ? (
          <span>
            <TimeAgo at={lastSuccess.endedAt ?? lastSuccess.startedAt} now={now} />: {lastSuccess.files} files (<Bytes value={lastSuccess.bytes} />) of{" "}
            <span className="break-all">{lastSuccess.archive}</span> restored identically{" "}
            <span data-testid="drill-method">
              {lastSuccess.details?.method === "chunk-ids" ? "(checked against the archive's chunk ids)" : "(compared with borg's stream)"}
            </span>
          </span>
        ) : (
          <span className="text-zinc-600 dark:text-zinc-400">none yet</span>
        )}
        <span className="text-xs text-zinc-500">{every > 0 ? `every ${formatDuration(every)}` : "scheduled drills off"}</span>
      </div>
      {last && last.id !== lastSuccess?.id ? (
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1 pl-24">
          <span>Newest drill</span>
          <Outcome outcome={last.outcome} />
          <TimeAgo at={last.endedAt ?? last.startedAt} now={now} />
          {last.mismatched + last.missing > 0 ? (
            <span>
              {last.mismatched} differing, {last.missing} missing of {last.files} files
            </span>
          ) : null}
        </div>
      ) : null}
      {last && last.outcome !== "ok" && last.outcome !== "running" ? (
        <div className="pl-24">
          <Message
            text={[last.message, ...(last.details?.mismatched ?? []).map((p) => `differs: ${p}`), ...(last.details?.missing ?? []).map((p) => `missing: ${p}`)]
              .filter(Boolean)
              .join("\n")}
            open
          />
        </div>
      ) : null}
    </div>
  );
}

/** Server component: checks and drills of the host's repos (nothing when this dashboard runs none). */
export function IntegrityChecks({ host, repos, now, canRun }: { host: string; repos: Array<{ id: string; site: string }>; now: number; canRun: boolean }) {
  const config = getCurrentConfig();
  if (!config || !getMaintenanceScheduler()) return null;
  const db = database();
  return (
    <section aria-labelledby="integrity-checks">
      <Card>
        <SectionHeading id="integrity-checks">Integrity checks and restore drills</SectionHeading>
        <div className="space-y-4">
          {repos.map(({ id: repoId, site }) => {
            const drills = lastDrillRuns(db, repoId);
            return (
              <div key={site} data-testid={`verify-${site}`} className="space-y-2">
                <h3 className="text-sm font-semibold">Site {site}</h3>
                {CHECK_KINDS.map((kind) => (
                  <div key={kind} className="flex flex-wrap items-start justify-between gap-2">
                    <CheckLine kind={kind} run={lastCheckRuns(db, repoId, kind).last} every={checkSettingsFor(config.checks, host, kind).every} now={now} />
                    {canRun ? <RunNowButton host={host} site={site} job={kind} label="Run check now" action={runVerifyAction} /> : null}
                  </div>
                ))}
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <DrillLine last={drills.last} lastSuccess={drills.lastSuccess} every={drillSettingsFor(config.drills, host).every} now={now} />
                  {canRun ? <RunNowButton host={host} site={site} job="drill" label="Run drill now" action={runVerifyAction} /> : null}
                </div>
              </div>
            );
          })}
        </div>
      </Card>
    </section>
  );
}
