"use server";

/**
 * One-time setup: creates the first admin, and only while there is no user at all (afterwards this
 * action refuses with 403 and an audit row). Use the CLI (`npm run users -- add`) where a web form
 * reachable before anyone signed in is not wanted.
 */
import { forbidden, redirect } from "next/navigation";
import { actionFailed, type ActionResult } from "@/lib/actionResult";
import { audit } from "@/lib/audit/log";
import { clientAddress } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { addUser, countUsers, UserError } from "@/lib/auth/users";

export async function setupAction(_prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  const db = database();
  const address = await clientAddress();
  if (countUsers(db) > 0) {
    audit(db, { address, action: "setup", outcome: "refused", reason: "users exist" });
    forbidden();
  }
  const get = (name: string) => {
    const v = formData instanceof FormData ? formData.get(name) : null;
    return typeof v === "string" ? v : "";
  };
  try {
    await addUser(db, { username: get("username"), password: get("password"), role: "admin", hosts: ["*"] }, { by: "setup", address });
  } catch (err) {
    if (err instanceof UserError) return actionFailed(err.message);
    throw err;
  }
  redirect("/login");
}
