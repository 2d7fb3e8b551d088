"use client";

import Link from "next/link";
import { useEffect } from "react";

/** Error boundary for every page: says what happened in plain words and offers to try again. */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : null;
  return (
    <main className="mx-auto max-w-2xl px-4 py-16 sm:px-6">
      <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-6 dark:border-red-400/30 dark:bg-red-400/10">
        <h1 className="text-lg font-semibold text-red-900 dark:text-red-100">This page could not be shown</h1>
        <p className="mt-2 text-sm text-red-900/80 dark:text-red-100/80">
          Something went wrong on the dashboard&apos;s server while preparing this page. Backups are not affected: the dashboard only reads its own copy of the
          fleet state. Try again; if it keeps failing, the server log has the details
          {digest ? (
            <>
              {" "}
              (search for <code className="font-mono">{digest}</code>)
            </>
          ) : null}
          .
        </p>
        <div className="mt-4 flex gap-3">
          <button
            type="button"
            onClick={() => retry()}
            className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 dark:bg-red-500 dark:text-zinc-950 dark:hover:bg-red-400"
          >
            Try again
          </button>
          <Link href="/" className="rounded-md px-3 py-1.5 text-sm font-medium text-red-900 hover:bg-red-100 dark:text-red-100 dark:hover:bg-red-400/20">
            Back to the overview
          </Link>
        </div>
      </div>
    </main>
  );
}
