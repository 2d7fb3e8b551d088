"use server";

/**
 * User management from the admin page. Each action checks "users:manage" itself (401/403 otherwise);
 * lib/auth/users.ts audits every change in the same transaction as the change. Each answers with an
 * ActionResult that the page's forms show (components/admin/UserForms.tsx); nothing travels in the URL.
 */
import { revalidatePath } from "next/cache";
import { actionFailed, actionOk, type ActionResult } from "@/lib/actionResult";
import { authorize, clientAddress } from "@/lib/auth/guard";
import { isRole } from "@/lib/auth/policy";
import { database } from "@/lib/db/current";
import { addUser, removeUser, setPassword, UserError } from "@/lib/auth/users";

const str = (formData: unknown, name: string) => {
  const v = formData instanceof FormData ? formData.get(name) : null;
  return typeof v === "string" ? v : "";
};

/** Authorise, do the change, and answer with what happened (a UserError is the user's mistake, said as is). */
async function change(work: (by: { by: string; address: string }) => Promise<string>): Promise<ActionResult> {
  const principal = await authorize("users:manage");
  try {
    const message = await work({ by: principal.username, address: await clientAddress() });
    revalidatePath("/admin/users");
    return actionOk(message);
  } catch (err) {
    if (err instanceof UserError) return actionFailed(err.message);
    throw err;
  }
}

export async function addUserAction(_prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  return change(async (ctx) => {
    const role = str(formData, "role");
    if (!isRole(role)) throw new UserError("choose a role");
    const hosts = str(formData, "hosts")
      .split(/[,\s]+/)
      .map((h) => h.trim())
      .filter(Boolean);
    if (role !== "admin" && hosts.length === 0) throw new UserError(`a ${role} needs a host scope ("*" for all hosts)`);
    const user = await addUser(database(), { username: str(formData, "username"), password: str(formData, "password"), role, hosts }, ctx);
    return `Added ${user.username}.`;
  });
}

export async function setPasswordAction(_prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  return change(async (ctx) => {
    await setPassword(database(), str(formData, "username"), str(formData, "password"), ctx);
    return `Password changed for ${str(formData, "username")}; their sessions are revoked.`;
  });
}

export async function removeUserAction(_prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  return change(async (ctx) => {
    const username = str(formData, "username");
    if (username === ctx.by) throw new UserError("you cannot remove yourself");
    removeUser(database(), username, ctx);
    return `Removed ${username}; their sessions are revoked.`;
  });
}
