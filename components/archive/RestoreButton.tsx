"use client";

import { useRouter } from "next/navigation";
import { useId, useRef, useState, useTransition } from "react";
import { startRestore } from "@/app/actions/restore";

/**
 * "Restore…" for the archive browser's selection: a small form (strip leading path components), then
 * the startRestore action, then the job page. The action checks everything again on the server.
 */
export function RestoreButton({ host, site, archive, paths, disabled }: { host: string; site: string; archive: string; paths: string[]; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  const [strip, setStrip] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const [side, setSide] = useState<"left" | "right">("right");
  const anchor = useRef<HTMLDivElement>(null);
  const router = useRouter();
  const id = useId();
  const none = paths.length === 0;

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    startTransition(async () => {
      const result = await startRestore({ host, site, archive, paths, stripComponents: strip });
      if (result.ok) router.push(`/restores/${result.jobId}`);
      else setError(result.message);
    });
  };

  const toggle = () => {
    // The form (w-72, 18rem) hangs below the button. At a job page's right edge it extends leftwards;
    // in the archive browser's selection bar the button sits near the left edge, where a leftward form
    // would start off-screen: there it extends rightwards.
    const rect = anchor.current?.getBoundingClientRect();
    const formWidth = 18 * parseFloat(getComputedStyle(document.documentElement).fontSize || "16");
    if (!open && rect) setSide(rect.right >= formWidth ? "right" : "left");
    setOpen((o) => !o);
  };

  const button =
    "rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";
  return (
    <div ref={anchor} className="relative inline-block">
      <button type="button" className={button} disabled={disabled || none || pending} aria-expanded={open} aria-controls={`${id}-form`} onClick={toggle}>
        Restore…
      </button>
      {open ? (
        <form
          id={`${id}-form`}
          onSubmit={submit}
          aria-label="Restore the selection"
          className={`absolute ${side === "right" ? "right-0" : "left-0"} z-20 mt-2 w-72 space-y-3 rounded-md border border-zinc-200 bg-white p-3 text-sm shadow-lg dark:border-zinc-700 dark:bg-zinc-900`}
        >
          <p>
            Restore {paths.length} selected path{paths.length === 1 ? "" : "s"} into a new job directory on the dashboard host.
          </p>
          <label className="block">
            Strip leading path components{" "}
            <input
              type="number"
              min={0}
              max={255}
              value={strip}
              onChange={(e) => setStrip(Math.max(0, Math.min(255, Math.trunc(Number(e.target.value) || 0))))}
              className="mt-1 w-20 rounded-md border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
            />
          </label>
          {error ? (
            <p role="alert" className="text-red-700 dark:text-red-400">
              {error}
            </p>
          ) : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={button} onClick={() => setOpen(false)}>
              Close
            </button>
            <button type="submit" className={`${button} bg-sky-600 text-white hover:bg-sky-700 dark:hover:bg-sky-500`} disabled={pending}>
              {pending ? "Starting…" : "Start restore"}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
