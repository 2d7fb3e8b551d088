"use server";

/**
 * Sign-in and sign-out. Sign-in answers the same for an unknown user and a wrong password (and spends
 * the same time: lib/auth/passwords.ts verifyDummy), is throttled per username and per address, and is
 * audited either way. The session cookie is HttpOnly, SameSite=Lax, Secure over https.
 */
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { actionFailed, type ActionResult } from "@/lib/actionResult";
import { audit } from "@/lib/audit/log";
import { clientAddress, requestIsHttps } from "@/lib/auth/guard";
import { MAX_PASSWORD_LENGTH, verifyDummy, verifyPassword } from "@/lib/auth/passwords";
import { createSession, deleteSession, readSession, sessionLimitsFromEnv, SESSION_COOKIE } from "@/lib/auth/sessions";
import { passwordLoginAllowed, ssoConfig } from "@/lib/auth/sso";
import { database } from "@/lib/db/current";
import { LoginThrottle } from "@/lib/auth/throttle";
import { findUser, MAX_USERNAME_LENGTH, normalizeUsername } from "@/lib/auth/users";
import { processGlobal } from "@/lib/processGlobal";

const loginThrottle = processGlobal<LoginThrottle>("login-throttle");
const throttle = () => loginThrottle.ensure(() => new LoginThrottle());

const WRONG = "Wrong username or password.";

/** A failure puts the username that was tried back into the form (only ever the caller's own input). */
export async function loginAction(_prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  const db = database();
  const rawUser = formData instanceof FormData ? formData.get("username") : null;
  const rawPassword = formData instanceof FormData ? formData.get("password") : null;
  const username = typeof rawUser === "string" ? normalizeUsername(rawUser) : "";
  const password = typeof rawPassword === "string" ? rawPassword : "";
  const address = await clientAddress();
  const shownUser = username.slice(0, 4 * MAX_USERNAME_LENGTH);
  const again = typeof rawUser === "string" ? rawUser.slice(0, 256) : "";

  if (!passwordLoginAllowed()) {
    audit(db, { username: shownUser, address, action: "login", outcome: "refused", reason: "password sign-in is off (sso.allowPasswordLogin: false)" });
    return actionFailed("This dashboard uses single sign-on: sign in through your organisation's proxy.", { username: again });
  }

  const wait = throttle().retryAfterMs(username, address);
  if (wait > 0) {
    audit(db, { username: shownUser, address, action: "login", outcome: "refused", reason: "throttled: too many failed attempts" });
    return actionFailed(`Too many failed attempts. Try again in ${Math.ceil(wait / 60_000)} minute${wait > 60_000 ? "s" : ""}.`, { username: again });
  }

  const user = username && [...username].length <= MAX_USERNAME_LENGTH ? findUser(db, username) : undefined;
  const ok = user && password.length <= MAX_PASSWORD_LENGTH ? await verifyPassword(password, user.passwordHash) : await verifyDummy();
  if (!ok || !user) {
    throttle().fail(username, address);
    audit(db, { username: shownUser, address, action: "login", outcome: "refused", reason: user ? "wrong password" : "unknown user" });
    return actionFailed(WRONG, { username: again });
  }
  throttle().succeed(username);
  const token = db.transaction(() => {
    const t = createSession(db, user.id, address);
    audit(db, { username: user.username, address, action: "login", outcome: "ok" });
    return t;
  })();
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: await requestIsHttps(),
    path: "/",
    maxAge: Math.floor(sessionLimitsFromEnv().absoluteMs / 1000),
  });
  redirect("/");
}

export async function logoutAction(): Promise<void> {
  // Single sign-on: the proxy owns the session; the layout links to sso.logoutUrl instead of posting
  // here, but a stray post still ends up there.
  const sso = ssoConfig();
  if (sso?.enabled && sso.logoutUrl && (await cookies()).get(SESSION_COOKIE) === undefined) redirect(sso.logoutUrl);
  const db = database();
  const jar = await cookies();
  const token = jar.get(SESSION_COOKIE)?.value;
  if (token) {
    const session = readSession(db, token);
    const address = await clientAddress();
    db.transaction(() => {
      deleteSession(db, token);
      if (session) audit(db, { username: session.user.username, address, action: "logout", outcome: "ok" });
    })();
  }
  jar.delete(SESSION_COOKIE);
  redirect("/login");
}
