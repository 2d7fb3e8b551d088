import Link from "next/link";

export default function Unauthorized() {
  return (
    <main className="mx-auto max-w-2xl px-4 py-16 text-center sm:px-6">
      <p className="text-sm font-semibold text-sky-700 dark:text-sky-300">401</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">Sign in first</h1>
      <Link href="/login" className="mt-6 inline-block text-sm text-sky-700 underline dark:text-sky-300">
        Sign in
      </Link>
    </main>
  );
}
