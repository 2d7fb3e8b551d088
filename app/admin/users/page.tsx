import type { Metadata } from "next";
import { UserAdmin } from "@/components/admin/UserAdmin";
import { requirePage } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { listUsers } from "@/lib/auth/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

/** Users, their roles and host scopes; add, change password, remove (admins only: "users:manage"). */
export default async function UsersPage() {
  await requirePage("users:manage");
  const users = listUsers(database()).map((u) => ({ id: u.id, username: u.username, role: u.role, hosts: u.hosts }));
  return (
    <main className="mx-auto max-w-5xl space-y-8 px-4 py-6 sm:px-6">
      <h1 className="text-2xl font-semibold tracking-tight">Users</h1>
      <UserAdmin users={users} />
    </main>
  );
}
