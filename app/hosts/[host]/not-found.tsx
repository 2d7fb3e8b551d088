import Link from "next/link";

export default function HostNotFound() {
  return (
    <main className="mx-auto max-w-2xl px-4 py-16 text-center sm:px-6">
      <p className="text-sm font-semibold text-sky-700 dark:text-sky-300">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">Unknown host</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        The dashboard has no repo for this host. Hosts come from the config file (<code>BORG_FLEET_CONFIG</code>): repos listed there, and{" "}
        <code>&lt;root&gt;/&lt;host&gt;</code> directories discovered under a site&apos;s storage root. A host that was just added appears after the
        collector&apos;s next cycle.
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
