/**
 * The header's sign-out for a single sign-on user: the proxy owns the session (its cookie, its
 * expiry), so the dashboard has nothing to end; it links to the proxy's sign-out (`sso.logoutUrl`) or,
 * without one, says where to sign out.
 */
export function SsoSignOut({ username, role, logoutUrl }: { username: string; role: string; logoutUrl?: string }) {
  const why = "You are signed in through single sign-on: your session belongs to the sign-on proxy, which signs you out.";
  return (
    <div className="ml-auto flex items-center gap-3 text-sm">
      <span className="text-zinc-600 dark:text-zinc-400">
        <span className="font-medium text-zinc-900 dark:text-zinc-100">{username}</span> ({role}, single sign-on)
      </span>
      {logoutUrl ? (
        <a href={logoutUrl} title={why} className="rounded-md px-2 py-1 hover:bg-zinc-100 dark:hover:bg-zinc-800">
          Sign out
        </a>
      ) : (
        <span title={why} className="text-zinc-500 dark:text-zinc-400">
          sign out at your sign-on provider
        </span>
      )}
    </div>
  );
}
