import Link from "next/link";

const LINK = "hover:text-zinc-900 hover:underline dark:hover:text-zinc-100";

/** "Overview / <host> / <current>" above a host's sub-page (retention, diff). */
export function HostBreadcrumb({ host, current }: { host: string; current: string }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm text-zinc-500 dark:text-zinc-400">
      <Link href="/" className={LINK}>
        Overview
      </Link>
      <span aria-hidden="true"> / </span>
      <Link href={`/hosts/${encodeURIComponent(host)}`} className={LINK}>
        {host}
      </Link>
      <span aria-hidden="true"> / </span>
      <span aria-current="page">{current}</span>
    </nav>
  );
}
