"use client";

import type { IndexStatusJson } from "@/lib/archives/index/api";
import { formatCount } from "@/lib/format";

/** The first opening of an archive: borg's listing streams into the index; folders fill in as it arrives. */
export function IndexProgress({ status, onRetry }: { status: IndexStatusJson; onRetry: () => void }) {
  if (status.state === "failed") {
    return (
      <div
        role="alert"
        className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950/40 dark:text-red-200"
      >
        <p className="font-medium">The archive could not be read.</p>
        <p className="mt-1">{status.error ?? "Reading the archive listing failed."}</p>
        <button type="button" onClick={onRetry} className="mt-2 rounded-md bg-red-700 px-3 py-1 text-sm font-medium text-white hover:bg-red-800">
          Try again
        </button>
      </div>
    );
  }
  if (status.state === "complete") return null;
  const ratio = status.expected && status.expected > 0 ? Math.min(1, status.entries / status.expected) : null;
  return (
    <div className="rounded-md border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900 dark:border-sky-900 dark:bg-sky-950/40 dark:text-sky-100">
      <p>
        {status.state === "queued" ? "Waiting for another archive to finish indexing…" : "Reading the archive's file list for the first time"}:{" "}
        <span className="tabular-nums">{formatCount(status.entries)}</span>
        {status.expected ? (
          <>
            {" "}
            of <span className="tabular-nums">{formatCount(status.expected)}</span>
          </>
        ) : null}{" "}
        entries. Folders show what has arrived so far; afterwards this archive opens instantly.
      </p>
      <div
        role="progressbar"
        aria-label="Archive index progress"
        aria-valuemin={0}
        aria-valuemax={status.expected ?? undefined}
        aria-valuenow={status.entries}
        className="mt-2 h-2 overflow-hidden rounded bg-sky-100 dark:bg-sky-900"
      >
        <div
          className={`h-full bg-sky-600 ${ratio === null ? "w-1/3 animate-pulse" : ""}`}
          style={ratio === null ? undefined : { width: `${(ratio * 100).toFixed(1)}%` }}
        />
      </div>
    </div>
  );
}
