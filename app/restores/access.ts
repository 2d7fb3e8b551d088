import { forbidden } from "next/navigation";
import { auditRefusal, requirePage } from "@/lib/auth/guard";
import { roleAllows, type Principal } from "@/lib/auth/policy";

/**
 * For the restore pages: signed in (else /login), and a role that may restore (operators, admins);
 * others get 403, audited. Which jobs a user sees is then decided per job host.
 */
export async function requireRestoreRole(): Promise<Principal> {
  const principal = await requirePage("fleet:view");
  if (!roleAllows(principal, "archive:restore")) {
    await auditRefusal(principal, "archive:restore");
    forbidden();
  }
  return principal;
}
