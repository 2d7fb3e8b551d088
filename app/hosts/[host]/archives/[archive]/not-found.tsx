import Link from "next/link";

/** Unknown archive, unknown site, or a host the user may not browse: the same answer for all three. */
export default function ArchiveNotFound() {
  return (
    <main className="mx-auto max-w-2xl px-4 py-16 text-center sm:px-6">
      <p className="text-sm font-semibold text-sky-700 dark:text-sky-300">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">No such archive</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        This host has no archive of that name, or browsing its archives is not part of your access. Archive names on the host page link here when you may browse
        them.
      </p>
      <Link
        href="/"
        className="mt-6 inline-block rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800 dark:bg-sky-500 dark:text-zinc-950"
      >
        Go to the overview
      </Link>
    </main>
  );
}
