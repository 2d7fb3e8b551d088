import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/LoginForm";
import { currentPrincipal } from "@/lib/auth/guard";
import { passwordLoginAllowed } from "@/lib/auth/sso";
import { database } from "@/lib/db/current";
import { countUsers } from "@/lib/auth/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage() {
  if (await currentPrincipal()) redirect("/");
  if (countUsers(database()) === 0) redirect("/setup");
  return (
    <main className="mx-auto max-w-sm px-4 py-16 sm:px-6">
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">Sign in</h1>
      {passwordLoginAllowed() ? (
        <LoginForm />
      ) : (
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          This dashboard uses single sign-on. Open it through your organisation&apos;s sign-on proxy; it signs you in.
        </p>
      )}
    </main>
  );
}
