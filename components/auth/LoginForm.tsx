"use client";

import { useActionState } from "react";
import { loginAction } from "@/app/actions/auth";

export function LoginForm() {
  const [result, formAction, pending] = useActionState(loginAction, null);
  // React resets the form after the action: the username that was tried is put back.
  const triedUser = result && !result.ok ? (result.fields?.username ?? "") : "";
  const field =
    "mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm shadow-sm focus-visible:outline-2 focus-visible:outline-sky-600 dark:border-zinc-700 dark:bg-zinc-900";
  return (
    <form action={formAction} className="space-y-4">
      <div>
        <label htmlFor="username" className="block text-sm font-medium">
          Username
        </label>
        <input id="username" name="username" autoComplete="username" required maxLength={256} defaultValue={triedUser} className={field} />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required maxLength={1024} className={field} />
      </div>
      <p role="alert" className="min-h-5 text-sm text-red-700 dark:text-red-300">
        {result && !result.ok && !pending ? result.message : null}
      </p>
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-sky-800 disabled:opacity-70 dark:bg-sky-500 dark:text-zinc-950"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
