import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SetupForm } from "@/components/auth/SetupForm";
import { database } from "@/lib/db/current";
import { countUsers } from "@/lib/auth/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Set up" };

/** Only while there is no user: creates the first admin. */
export default function SetupPage() {
  if (countUsers(database()) > 0) redirect("/login");
  return (
    <main className="mx-auto max-w-sm px-4 py-16 sm:px-6">
      <h1 className="mb-2 text-2xl font-semibold tracking-tight">Create the first admin</h1>
      <p className="mb-6 text-sm text-zinc-600 dark:text-zinc-400">The dashboard has no users yet. This page works once.</p>
      <SetupForm />
    </main>
  );
}
