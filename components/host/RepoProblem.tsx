import type { ReactNode } from "react";
import { TimeAgo } from "@/components/TimeAgo";
import type { BorgErrorKind } from "@/lib/borg/errors";
import { formatDuration, formatRelative } from "@/lib/format";
import type { RepoState, RepoStatus } from "@/lib/fleet/types";

/** Titles per error kind; a kind added later falls back to the generic title. */
const ERROR_TITLES: Partial<Record<BorgErrorKind, string>> = {
  busy: "The repo is locked",
  "wrong-passphrase": "Wrong passphrase",
  "repo-not-found": "Repo not found",
  "archive-not-found": "Archive not found",
  "connection-failed": "Cannot connect to the storage server",
  "path-not-allowed": "The storage server does not allow this path",
  timeout: "Reading the repo timed out",
  cancelled: "Reading the repo was cancelled",
  other: "borg could not read the repo",
};

const TONES = {
  red: "border-red-200 bg-red-50 text-red-950 dark:border-red-400/30 dark:bg-red-400/10 dark:text-red-100",
  amber: "border-amber-200 bg-amber-50 text-amber-950 dark:border-amber-400/30 dark:bg-amber-400/10 dark:text-amber-100",
  orange: "border-orange-200 bg-orange-50 text-orange-950 dark:border-orange-400/30 dark:bg-orange-400/10 dark:text-orange-100",
  sky: "border-sky-200 bg-sky-50 text-sky-950 dark:border-sky-400/30 dark:bg-sky-400/10 dark:text-sky-100",
  zinc: "border-zinc-200 bg-zinc-50 text-zinc-800 dark:border-zinc-700 dark:bg-zinc-800/60 dark:text-zinc-200",
} as const;

function Callout({ tone, title, children }: { tone: keyof typeof TONES; title: string; children: ReactNode }) {
  return (
    <div className={`rounded-md border px-4 py-3 text-sm ${TONES[tone]}`}>
      <p className="font-semibold">{title}</p>
      <div className="mt-1 space-y-1.5 leading-relaxed">{children}</div>
    </div>
  );
}

/** What is wrong with a repo (or what is going on), in plain words. Nothing for a fresh repo. */
export function RepoProblem({ repo, status, now, staleAfterSeconds }: { repo: RepoState; status: RepoStatus; now: number; staleAfterSeconds: number }) {
  const lastRead =
    repo.lastSuccessAt !== null ? (
      <p>
        The figures below are from the last successful read, <TimeAgo at={repo.lastSuccessAt} now={now} />.
      </p>
    ) : (
      <p>The repo has not been read successfully yet, so there are no figures for it.</p>
    );

  switch (status) {
    case "error": {
      const error = repo.lastError!;
      return (
        <Callout tone="red" title={ERROR_TITLES[error.kind] ?? "borg could not read the repo"}>
          <p>{error.message}</p>
          <p className="text-xs opacity-80">
            Last attempt <TimeAgo at={error.at} now={now} />.
          </p>
          {lastRead}
          {error.detail ? (
            <details className="text-xs">
              <summary className="cursor-pointer font-medium">borg&apos;s message</summary>
              <pre className="mt-1 overflow-x-auto whitespace-pre-wrap break-words rounded bg-white/60 p-2 font-mono dark:bg-black/30">{error.detail}</pre>
            </details>
          ) : null}
        </Callout>
      );
    }
    case "busy":
      return (
        <Callout tone="sky" title="A backup is running">
          <p>A backup is running; the dashboard waits and reads the repo afterwards, it never interrupts a backup.</p>
          {lastRead}
        </Callout>
      );
    case "never":
      return (
        <Callout tone="orange" title="Never backed up">
          <p>
            This repo holds no archive at all. Check that the host&apos;s backup job (<code>borg create</code>, from its timer or cron) runs and can reach{" "}
            <code className="break-all">{repo.location}</code>. The missing-backup alert covers this repo too.
          </p>
        </Callout>
      );
    case "stale": {
      const at = repo.lastArchive ? (repo.lastArchive.end ?? repo.lastArchive.start) : null;
      return (
        <Callout tone="amber" title="Backup overdue">
          <p>
            The newest archive ended {formatRelative(at, now)}, longer than the {formatDuration(staleAfterSeconds)} allowed. Check the backup job on the host
            (its timer or cron, and its log), and whether it can reach the storage server.
          </p>
        </Callout>
      );
    }
    case "pending":
      return (
        <Callout tone="zinc" title="Not read yet">
          <p>The collector has not read this repo since the dashboard started. It will in its next cycle, or use Refresh now.</p>
        </Callout>
      );
    default:
      return null;
  }
}
