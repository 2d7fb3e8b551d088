import type { Metadata } from "next";
import Link from "next/link";
import { logoutAction } from "@/app/actions/auth";
import { NavLink } from "@/components/NavLink";
import { SsoSignOut } from "@/components/auth/SsoSignOut";
import { currentPrincipal } from "@/lib/auth/guard";
import { can, roleAllows } from "@/lib/auth/policy";
import { ssoConfig } from "@/lib/auth/sso";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "borg-fleet", template: "%s · borg-fleet" },
  description: "BorgBackup fleet dashboard",
  // Inline icon: no extra file, and no 404 for /favicon.ico in the logs.
  icons: {
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect x='2' y='2' width='12' height='12' rx='2' fill='%230284c7'/%3E%3C/svg%3E",
  },
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const principal = await currentPrincipal();
  return (
    <html lang="en">
      <body className="min-h-screen bg-zinc-50 text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:shadow dark:focus:bg-zinc-900"
        >
          Skip to content
        </a>
        <header className="border-b border-zinc-200 bg-white print:hidden dark:border-zinc-800 dark:bg-zinc-900">
          <div className="mx-auto flex h-12 max-w-7xl items-center gap-4 px-4 sm:px-6">
            <Link href="/" className="flex items-center gap-2 text-sm font-semibold tracking-tight">
              <span aria-hidden="true" className="inline-block h-3 w-3 rounded-sm bg-sky-600 dark:bg-sky-400" />
              borg-fleet
            </Link>
            {principal ? (
              <>
                <nav aria-label="Main" className="flex items-center gap-1">
                  <NavLink href="/">Overview</NavLink>
                  <NavLink href="/reports" match="prefix">
                    Reports
                  </NavLink>
                  {roleAllows(principal, "archive:restore") ? (
                    <NavLink href="/restores" match="prefix">
                      Restores
                    </NavLink>
                  ) : null}
                  {can(principal, "users:manage") ? <NavLink href="/admin/users">Users</NavLink> : null}
                  {can(principal, "users:manage") ? <NavLink href="/admin/tokens">API tokens</NavLink> : null}
                  {can(principal, "audit:read") ? <NavLink href="/admin/audit">Audit log</NavLink> : null}
                </nav>
                {principal.via === "sso" ? (
                  <SsoSignOut username={principal.username} role={principal.role} logoutUrl={ssoConfig()?.logoutUrl} />
                ) : (
                  <form action={logoutAction} className="ml-auto flex items-center gap-3 text-sm">
                    <span className="text-zinc-600 dark:text-zinc-400">
                      <span className="font-medium text-zinc-900 dark:text-zinc-100">{principal.username}</span> ({principal.role})
                    </span>
                    <button type="submit" className="rounded-md px-2 py-1 hover:bg-zinc-100 dark:hover:bg-zinc-800">
                      Sign out
                    </button>
                  </form>
                )}
              </>
            ) : null}
          </div>
        </header>
        <div id="main">{children}</div>
      </body>
    </html>
  );
}
