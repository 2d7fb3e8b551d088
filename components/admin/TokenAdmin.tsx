"use client";

import { useActionState } from "react";
import { createTokenAction, revokeTokenAction, type CreateTokenResult } from "@/app/actions/tokens";
import { UtcTime } from "@/components/TimeAgo";
import { ActionStatus, AdminTableHead } from "./AdminParts";
import { actionFailed } from "@/lib/actionResult";

export interface TokenRow {
  name: string;
  role: string;
  hosts: readonly string[];
  createdBy: string;
  expiresAt: number;
  lastUsedAt: number | null;
  state: "active" | "expired" | "revoked";
}

const input = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";
const button = "rounded-md bg-sky-700 px-3 py-1 text-sm font-medium text-white dark:bg-sky-500 dark:text-zinc-950";

async function manage(prev: CreateTokenResult | null, formData: FormData): Promise<CreateTokenResult> {
  switch (formData.get("intent")) {
    case "create":
      return createTokenAction(prev, formData);
    case "revoke":
      return revokeTokenAction(prev, formData);
    default:
      return actionFailed("Unknown form.");
  }
}

/** API tokens: the list (never a secret), revoke, and the create form whose result shows the new token once. */
export function TokenAdmin({ tokens }: { tokens: TokenRow[] }) {
  const [result, formAction, pending] = useActionState(manage, null);
  return (
    <>
      <ActionStatus result={result} pending={pending}>
        {result?.ok && result.token ? (
          <p className="mt-2">
            <label className="block text-xs text-zinc-600 dark:text-zinc-400" htmlFor="new-token">
              New token
            </label>
            <input id="new-token" readOnly value={result.token} className={`${input} w-full font-mono`} onFocus={(e) => e.currentTarget.select()} />
          </p>
        ) : null}
      </ActionStatus>
      <table className="w-full text-left text-sm">
        <AdminTableHead columns={["Token", "Role", "Hosts", "Expires", "Last used", "State", "Revoke"]} />
        <tbody>
          {tokens.map((t) => (
            <tr key={t.name} className="border-b border-zinc-100 dark:border-zinc-800/60">
              <th scope="row" className="py-1.5 pr-3 font-medium break-all">
                {t.name}
              </th>
              <td className="py-1.5 pr-3">{t.role}</td>
              <td className="py-1.5 pr-3">{t.role === "admin" ? "all" : t.hosts.join(", ")}</td>
              <td className="py-1.5 pr-3">
                <UtcTime at={t.expiresAt} />
              </td>
              <td className="py-1.5 pr-3">{t.lastUsedAt === null ? "never" : <UtcTime at={t.lastUsedAt} />}</td>
              <td className="py-1.5 pr-3">{t.state}</td>
              <td className="py-1.5 pr-3">
                {t.state === "revoked" ? null : (
                  <form action={formAction}>
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="name" value={t.name} />
                    <button type="submit" className="rounded-md px-2 py-1 text-sm text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950">
                      Revoke {t.name}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <section aria-labelledby="create-token">
        <h2 id="create-token" className="mb-3 text-lg font-semibold">
          Create a token
        </h2>
        <form action={formAction} className="flex flex-wrap items-end gap-3">
          <input type="hidden" name="intent" value="create" />
          <label className="text-sm">
            Name <input name="name" required maxLength={64} placeholder="ansible" className={input} />
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
            Host scope <input name="hosts" placeholder="web-*, db-?" className={input} />
          </label>
          <label className="text-sm">
            Expires in <input name="expires" placeholder="90d" className={`${input} w-24`} />
          </label>
          <button type="submit" disabled={pending} className={button}>
            Create token
          </button>
        </form>
      </section>
    </>
  );
}
