"use client";

import { useActionState } from "react";
import { addUserAction, removeUserAction, setPasswordAction } from "@/app/actions/users";
import { actionFailed, type ActionResult } from "@/lib/actionResult";
import { ActionStatus, AdminTableHead } from "./AdminParts";

export interface UserRow {
  id: number;
  username: string;
  role: string;
  hosts: readonly string[];
}

const input = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";
const button = "rounded-md bg-sky-700 px-3 py-1 text-sm font-medium text-white dark:bg-sky-500 dark:text-zinc-950";

/** The form's "intent" field picks the server action; each authorises and validates on its own. */
async function manage(prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  switch (formData.get("intent")) {
    case "add":
      return addUserAction(prev, formData);
    case "password":
      return setPasswordAction(prev, formData);
    case "remove":
      return removeUserAction(prev, formData);
    default:
      return actionFailed("Unknown form.");
  }
}

/**
 * The users table and the add form, with one status line for the last change: the actions' own
 * ActionResult (useActionState), never text from the URL.
 */
export function UserAdmin({ users }: { users: UserRow[] }) {
  const [result, formAction, pending] = useActionState(manage, null);
  return (
    <>
      <ActionStatus result={result} pending={pending} />
      <table className="w-full text-left text-sm">
        <AdminTableHead columns={["User", "Role", "Hosts", "New password", "Remove"]} />
        <tbody>
          {users.map((u) => (
            <tr key={u.id} className="border-b border-zinc-100 dark:border-zinc-800/60">
              <th scope="row" className="py-1.5 pr-3 font-medium break-all">
                {u.username}
              </th>
              <td className="py-1.5 pr-3">{u.role}</td>
              <td className="py-1.5 pr-3">{u.role === "admin" ? "all" : u.hosts.join(", ")}</td>
              <td className="py-1.5 pr-3">
                <form action={formAction} className="flex gap-2">
                  <input type="hidden" name="intent" value="password" />
                  <input type="hidden" name="username" value={u.username} />
                  <input type="password" name="password" aria-label={`New password for ${u.username}`} minLength={10} required className={input} />
                  <button type="submit" disabled={pending} className={button}>
                    Set
                  </button>
                </form>
              </td>
              <td className="py-1.5 pr-3">
                <form action={formAction}>
                  <input type="hidden" name="intent" value="remove" />
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
        <h2 id="add-user" className="mb-3 text-lg font-semibold">
          Add a user
        </h2>
        <form action={formAction} className="flex flex-wrap items-end gap-3">
          <input type="hidden" name="intent" value="add" />
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
          <button type="submit" disabled={pending} className={button}>
            Add user
          </button>
        </form>
      </section>
    </>
  );
}
