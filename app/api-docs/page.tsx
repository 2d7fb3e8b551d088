import type { Metadata } from "next";
import { Card } from "@/components/ui/Card";
import { ENDPOINTS } from "@/lib/api/endpoints";
import { openApiDocument } from "@/lib/api/openapi";
import { requirePage } from "@/lib/auth/guard";
import packageJson from "@/package.json";

export const metadata: Metadata = { title: "Automation API" };

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
}

/**
 * The automation API, described from the same OpenAPI document /api/v1/openapi.json serves (so this
 * page cannot drift from it): how to authenticate, then every endpoint with its parameters and the
 * policy action a token needs.
 */
export default async function ApiDocsPage() {
  await requirePage("fleet:view");
  const doc = openApiDocument(ENDPOINTS, packageJson.version) as {
    paths: Record<
      string,
      Record<string, { operationId: string; summary: string; parameters: Parameter[]; requestBody?: unknown; "x-borg-fleet-action": string }>
    >;
  };
  const code = "rounded bg-zinc-100 px-1 font-mono text-[0.85em] dark:bg-zinc-800";
  return (
    <main className="mx-auto max-w-5xl space-y-6 px-4 py-6 sm:px-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Automation API</h1>
        <p className="mt-2 text-sm text-zinc-700 dark:text-zinc-300">
          JSON over HTTPS under <code className={code}>/api/v1</code>, for scripts, Ansible, Terraform and CI. Every request carries an API token:{" "}
          <code className={code}>Authorization: Bearer bft_…</code>. Admins create tokens under Admin → API tokens or with{" "}
          <code className={code}>npm run tokens -- create &lt;name&gt; --role viewer --hosts &apos;web-*&apos; --expires 90d</code>; a token has a role and a
          host scope like a user, and hosts outside its scope answer 404. Browser sessions do not work here. Errors are{" "}
          <code className={code}>application/problem+json</code>; lists take <code className={code}>?limit=</code> and <code className={code}>?cursor=</code>;
          reads carry an <code className={code}>ETag</code>. The machine-readable description is{" "}
          <a className="text-sky-700 underline dark:text-sky-400" href="/api/v1/openapi.json">
            /api/v1/openapi.json
          </a>{" "}
          (OpenAPI 3.1). From a shell: <code className={code}>BORG_FLEET_URL=… BORG_FLEET_TOKEN=… npx borg-fleet status</code>.
        </p>
      </div>
      {Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => (
          <Card key={op.operationId}>
            <h2 className="font-mono text-sm font-semibold" id={op.operationId}>
              <span className="mr-2 rounded bg-sky-100 px-1.5 py-0.5 text-sky-900 dark:bg-sky-900/40 dark:text-sky-100">{method.toUpperCase()}</span>
              /api/v1{path}
            </h2>
            <p className="mt-1 text-sm">{op.summary}</p>
            <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
              Needs <code className={code}>{op["x-borg-fleet-action"]}</code>
              {op.requestBody ? " · JSON body (see the OpenAPI document)" : ""}
            </p>
            {op.parameters.length > 0 ? (
              <ul className="mt-2 space-y-0.5 text-sm">
                {op.parameters.map((p) => (
                  <li key={`${p.in}:${p.name}`}>
                    <code className={code}>{p.name}</code>{" "}
                    <span className="text-xs text-zinc-500">
                      ({p.in}
                      {p.required ? ", required" : ""})
                    </span>
                    {p.description ? ` — ${p.description}` : ""}
                  </li>
                ))}
              </ul>
            ) : null}
          </Card>
        )),
      )}
    </main>
  );
}
