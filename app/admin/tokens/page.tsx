import type { Metadata } from "next";
import Link from "next/link";
import { TokenAdmin, type TokenRow } from "@/components/admin/TokenAdmin";
import { listTokens, tokenState } from "@/lib/auth/apiTokens";
import { requirePage } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API tokens" };

/** The tokens as the table shows them (never a secret: only its hash is stored anyway). */
function loadTokens(): TokenRow[] {
  const now = Date.now();
  return listTokens(database()).map((t) => ({
    name: t.name,
    role: t.role,
    hosts: t.hosts,
    createdBy: t.createdBy,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    state: tokenState(t, now),
  }));
}

/** API tokens for scripts (admins only: "users:manage"): who has one, with which role and scope, until when. */
export default async function TokensPage() {
  await requirePage("users:manage");
  const tokens = loadTokens();
  return (
    <main className="mx-auto max-w-6xl space-y-8 px-4 py-6 sm:px-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">API tokens</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          For scripts and CI: a token acts with its role on its host scope, through the{" "}
          <Link className="text-sky-700 underline dark:text-sky-400" href="/api-docs">
            automation API
          </Link>
          . It is shown once when created and stored only as a hash.
        </p>
      </div>
      <TokenAdmin tokens={tokens} />
    </main>
  );
}
