export default function Forbidden() {
  return (
    <main className="mx-auto max-w-2xl px-4 py-16 text-center sm:px-6">
      <p className="text-sm font-semibold text-sky-700 dark:text-sky-300">403</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">Not allowed</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">Your role does not allow this. Ask an administrator.</p>
    </main>
  );
}
