"use server";

/**
 * User management from the admin page. Each action checks "users:manage" itself (401/403 otherwise);
 * lib/auth/users.ts audits every change in the same transaction as the change.
 */
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { authorize, clientAddress } from "@/lib/auth/guard";
import { isRole } from "@/lib/auth/policy";
import { database } from "@/lib/db/current";
import { addUser, removeUser, setPassword, UserError } from "@/lib/auth/users";

const str = (formData: unknown, name: string) => {
  const v = formData instanceof FormData ? formData.get(name) : null;
  return typeof v === "string" ? v : "";
};

function done(message: string, error = false): never {
  revalidatePath("/admin/users");
  redirect(`/admin/users?${error ? "error" : "message"}=${encodeURIComponent(message.slice(0, 300))}`);
}

async function change(formData: unknown, work: (by: { by: string; address: string }) => Promise<string>): Promise<never> {
  const principal = await authorize("users:manage");
  let message: string;
  try {
    message = await work({ by: principal.username, address: await clientAddress() });
  } catch (err) {
    if (err instanceof UserError) done(err.message, true);
    throw err;
  }
  void formData;
  done(message);
}

export async function addUserAction(formData: FormData): Promise<void> {
  await change(formData, async (ctx) => {
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

export async function setPasswordAction(formData: FormData): Promise<void> {
  await change(formData, async (ctx) => {
    await setPassword(database(), str(formData, "username"), str(formData, "password"), ctx);
    return `Password changed for ${str(formData, "username")}; their sessions are revoked.`;
  });
}

export async function removeUserAction(formData: FormData): Promise<void> {
  await change(formData, async (ctx) => {
    const username = str(formData, "username");
    if (username === ctx.by) throw new UserError("you cannot remove yourself");
    removeUser(database(), username, ctx);
    return `Removed ${username}; their sessions are revoked.`;
  });
}
