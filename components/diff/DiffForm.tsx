import { UtcTime } from "@/components/TimeAgo";
import { formatUtc } from "@/lib/format";

export interface ArchiveOption {
  name: string;
  start: number;
}

const input = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";

/** Pick two archives of the repo (newest first) and an optional path prefix; a plain GET form, so the result URL can be shared. */
export function DiffForm({
  site,
  archives,
  from,
  to,
  path,
}: {
  site: string;
  archives: ArchiveOption[];
  from: string;
  to: string;
  /** The path parameter as in the URL (lib/archives/pathParam.ts encoding). */
  path: string;
}) {
  const options = archives.map((a) => (
    <option key={a.name} value={a.name}>
      {a.name} ({formatUtc(a.start)})
    </option>
  ));
  return (
    <form method="get" className="flex flex-wrap items-end gap-3" aria-label="Archives to compare">
      <input type="hidden" name="site" value={site} />
      {[
        { name: "from", label: "Older (from)", value: from },
        { name: "to", label: "Newer (to)", value: to },
      ].map((field) => (
        <label key={field.name} className="flex flex-col gap-1 text-sm">
          {field.label}
          <select name={field.name} defaultValue={field.value} className={input}>
            {options}
          </select>
        </label>
      ))}
      <label className="flex flex-col gap-1 text-sm">
        Only below path (optional)
        <input name="path" defaultValue={path} placeholder="e.g. var/backups" className={`${input} w-64 font-mono`} />
      </label>
      <button type="submit" className="rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white dark:bg-sky-500 dark:text-zinc-950">
        Compare
      </button>
    </form>
  );
}

/** "archive (start)" for headings. */
export function ArchiveLabel({ name, start }: ArchiveOption) {
  return (
    <>
      <span className="break-all font-mono">{name}</span>{" "}
      <span className="text-zinc-500">
        (<UtcTime at={start} />)
      </span>
    </>
  );
}
