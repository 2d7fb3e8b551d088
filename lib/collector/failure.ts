/** Turns whatever a borg call threw into the RepoError the pages explain. */
import type { BorgErrorKind } from "@/lib/borg/errors";
import type { RepoError } from "@/lib/fleet/types";

interface BorgErrorLike {
  kind: BorgErrorKind;
  userMessage?: string;
  borgMessage?: string | null;
  message: string;
}

function isBorgErrorLike(err: unknown): err is BorgErrorLike {
  return typeof err === "object" && err !== null && "kind" in err && typeof (err as { kind: unknown }).kind === "string";
}

export function describeFailure(err: unknown, at: number): RepoError {
  if (isBorgErrorLike(err)) {
    return {
      kind: err.kind,
      message: err.userMessage ?? err.message,
      detail: err.borgMessage ?? null,
      at,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: "other", message: "Reading the repository failed unexpectedly.", detail: message, at };
}
