"use server";

/**
 * API tokens from the admin page: create (the token is in the result, shown once) and revoke. Each
 * action checks "users:manage" itself (admins with a password or SSO session; no API token may, see
 * lib/auth/policy.ts); lib/auth/apiTokens.ts audits every change in the same transaction.
 */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionFailed, actionOk, type ActionResult } from "@/lib/actionResult";
import { requestClientAddress } from "@/lib/audit/request";
import { createToken, DEFAULT_TOKEN_LIFETIME_SECONDS, revokeToken, TokenError } from "@/lib/auth/apiTokens";
import { authorize } from "@/lib/auth/guard";
import { ROLES } from "@/lib/auth/policy";
import { parseDurationSeconds } from "@/lib/config/duration";
import { database } from "@/lib/db/current";
import { formatIssues } from "@/lib/validation";

export type CreateTokenResult = ActionResult<{ token?: string }>;

const field = (formData: unknown, name: string) => {
  const v = formData instanceof FormData ? formData.get(name) : null;
  return typeof v === "string" ? v : "";
};

const createSchema = z.object({
  name: z.string().trim().min(1, "a token name is required").max(64),
  role: z.enum(ROLES),
  hosts: z
    .string()
    .max(2000)
    .transform((v) => v.split(/[,\s]+/).filter(Boolean)),
  expires: z
    .string()
    .trim()
    .transform((v, ctx) => {
      if (v === "") return DEFAULT_TOKEN_LIFETIME_SECONDS;
      const seconds = parseDurationSeconds(v);
      if (seconds === null) ctx.addIssue({ code: "custom", message: "a duration such as 30d or 12w" });
      return seconds ?? 0;
    }),
});

export async function createTokenAction(_prev: CreateTokenResult | null, formData: FormData): Promise<CreateTokenResult> {
  const principal = await authorize("users:manage");
  const parsed = createSchema.safeParse({
    name: field(formData, "name"),
    role: field(formData, "role"),
    hosts: field(formData, "hosts"),
    expires: field(formData, "expires"),
  });
  if (!parsed.success) return actionFailed(formatIssues(parsed.error).join("; "));
  const { name, role, hosts, expires } = parsed.data;
  try {
    const { token, secret } = createToken(
      database(),
      { name, role, hosts, lifetimeSeconds: expires },
      { by: principal.username, address: await requestClientAddress() },
    );
    revalidatePath("/admin/tokens");
    return actionOk(`Created token ${token.name}. Copy it now: it is not shown again.`, { token: secret });
  } catch (err) {
    if (err instanceof TokenError) return actionFailed(err.message);
    throw err;
  }
}

export async function revokeTokenAction(_prev: CreateTokenResult | null, formData: FormData): Promise<CreateTokenResult> {
  const principal = await authorize("users:manage");
  try {
    const token = revokeToken(database(), field(formData, "name"), { by: principal.username, address: await requestClientAddress() });
    revalidatePath("/admin/tokens");
    return actionOk(`Revoked ${token.name}; it is refused from now on.`);
  } catch (err) {
    if (err instanceof TokenError) return actionFailed(err.message);
    throw err;
  }
}
