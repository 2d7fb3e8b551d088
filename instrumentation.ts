/**
 * Next.js calls register() once when a server process starts: that is where the collector starts,
 * so refreshing needs no external cron (a lesson from peer projects whose status went red because
 * nobody set one up). Not during `next build`.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { startRuntime } = await import("./lib/runtime");
  await startRuntime();
}
