"use client";

import { useActionState } from "react";
import { setupAction } from "@/app/actions/setup";

export function SetupForm() {
  const [result, formAction, pending] = useActionState(setupAction, null);
  const field = "mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900";
  return (
    <form action={formAction} className="space-y-4">
      <div>
        <label htmlFor="username" className="block text-sm font-medium">
          Username
        </label>
        <input id="username" name="username" autoComplete="username" required maxLength={64} className={field} />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="new-password" required minLength={10} className={field} />
      </div>
      <p role="alert" className="min-h-5 text-sm text-red-700 dark:text-red-300">
        {result && !result.ok && !pending ? result.message : null}
      </p>
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white dark:bg-sky-500 dark:text-zinc-950"
      >
        Create the admin
      </button>
    </form>
  );
}
