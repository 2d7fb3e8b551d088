import type { Metadata } from "next";
import { addUserAction, removeUserAction, setPasswordAction } from "@/app/actions/users";
import { requirePage } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { listUsers } from "@/lib/auth/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

const first = (v: string | string[] | undefined) => ((Array.isArray(v) ? v[0] : v) ?? "").slice(0, 300);
const input = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";
const button = "rounded-md bg-sky-700 px-3 py-1 text-sm font-medium text-white dark:bg-sky-500 dark:text-zinc-950";

/** Users, their roles and host scopes; add, change password, remove (admins only: "users:manage"). */
export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePage("users:manage");
  const params = await searchParams;
  const users = listUsers(database());
  const error = first(params.error);
  const message = first(params.message);
  return (
    <main className="mx-auto max-w-5xl space-y-8 px-4 py-6 sm:px-6">
      <h1 className="text-2xl font-semibold tracking-tight">Users</h1>
      {error || message ? (
        <p role="status" className={error ? "text-sm text-red-700 dark:text-red-300" : "text-sm text-emerald-700 dark:text-emerald-300"}>
          {error || message}
        </p>
      ) : null}
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b border-zinc-200 dark:border-zinc-800">
            <th scope="col" className="py-2 pr-3 font-medium">User</th>
            <th scope="col" className="py-2 pr-3 font-medium">Role</th>
            <th scope="col" className="py-2 pr-3 font-medium">Hosts</th>
            <th scope="col" className="py-2 pr-3 font-medium">New password</th>
            <th scope="col" className="py-2 pr-3 font-medium">Remove</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} className="border-b border-zinc-100 dark:border-zinc-800/60">
              <th scope="row" className="py-1.5 pr-3 font-medium break-all">{u.username}</th>
              <td className="py-1.5 pr-3">{u.role}</td>
              <td className="py-1.5 pr-3">{u.role === "admin" ? "all" : u.hosts.join(", ")}</td>
              <td className="py-1.5 pr-3">
                <form action={setPasswordAction} className="flex gap-2">
                  <input type="hidden" name="username" value={u.username} />
                  <input type="password" name="password" aria-label={`New password for ${u.username}`} minLength={10} required className={input} />
                  <button type="submit" className={button}>Set</button>
                </form>
              </td>
              <td className="py-1.5 pr-3">
                <form action={removeUserAction}>
                  <input type="hidden" name="username" value={u.username} />
                  <button type="submit" className="rounded-md px-2 py-1 text-sm text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950">
                    Remove {u.username}
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <section aria-labelledby="add-user">
        <h2 id="add-user" className="mb-3 text-lg font-semibold">Add a user</h2>
        <form action={addUserAction} className="flex flex-wrap items-end gap-3">
          <label className="text-sm">
            Username <input name="username" required maxLength={64} className={input} />
          </label>
          <label className="text-sm">
            Initial password <input name="password" type="password" required minLength={10} className={input} />
          </label>
          <label className="text-sm">
            Role{" "}
            <select name="role" defaultValue="viewer" className={input}>
              <option value="viewer">viewer</option>
              <option value="operator">operator</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <label className="text-sm">
            Host scope <input name="hosts" placeholder="web-*, db-?.example.com" className={input} />
          </label>
          <button type="submit" className={button}>Add user</button>
        </form>
      </section>
    </main>
  );
}
