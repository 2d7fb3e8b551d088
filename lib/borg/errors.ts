/** Kinds of borg failure the UI can explain. Filled in by lib/borg (classification from --log-json msgids). */
export type BorgErrorKind =
  | "busy"
  | "wrong-passphrase"
  | "repo-not-found"
  | "connection-failed"
  | "path-not-allowed"
  | "timeout"
  | "cancelled"
  | "other";
