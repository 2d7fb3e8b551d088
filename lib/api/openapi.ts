/**
 * The OpenAPI 3.1 document of /api/v1, generated from the endpoint definitions (lib/api/endpoints):
 * the same zod schemas that validate requests describe them here, so the two cannot drift. Served
 * publicly at /api/v1/openapi.json; tests check every endpoint's real responses against it.
 */
import { z } from "zod";
import type { Endpoint } from "./endpoint";
import { problemSchema } from "./problem";

type Json = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, with nested $defs moved to components. */
function schemaOf(schema: z.ZodType, io: "input" | "output", components: Record<string, Json>): Json {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
  delete json.$schema;
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  delete json.$defs;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, k === "$ref" && typeof v === "string" ? v.replace("#/$defs/", "#/components/schemas/") : rewrite(v)]),
      );
    }
    return value;
  };
  for (const [name, def] of Object.entries(defs)) components[name] = rewrite(def) as Json;
  return rewrite(json) as Json;
}

function parameters(schema: z.ZodObject<z.ZodRawShape> | undefined, where: "path" | "query", components: Record<string, Json>): Json[] {
  if (!schema) return [];
  const json = schemaOf(schema, "input", components);
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries((json.properties ?? {}) as Record<string, Json>).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === "path" || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid input",
  401: "No valid API token",
  403: "The token's role may not do this",
  404: "Not found, or outside the token's host scope",
  409: "Conflict with the resource's state",
  413: "Body too large",
  415: "Body is not JSON",
  429: "Rate limit of the token reached",
  503: "The dashboard cannot do this now",
};

export function openApiDocument(endpoints: readonly Endpoint[], version: string): Json {
  const components: Record<string, Json> = { Problem: schemaOf(problemSchema, "output", {}) };
  const paths: Record<string, Record<string, Json>> = {};
  for (const endpoint of endpoints) {
    const errors = [
      ...new Set([400, 401, 403, 429, ...(endpoint.params ? [404] : []), ...(endpoint.body ? [413, 415] : []), ...(endpoint.errors ?? [])]),
    ].sort();
    const responses: Record<string, Json> = {
      [String(endpoint.status ?? 200)]: {
        description: "OK",
        headers: { ETag: { description: "Strong validator of the body; send it back as If-None-Match", schema: { type: "string" } } },
        content: { "application/json": { schema: schemaOf(endpoint.response, "output", components) } },
      },
      ...(endpoint.method === "GET" ? { "304": { description: "Not modified (If-None-Match matched the ETag)" } } : {}),
    };
    for (const status of errors) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? "Error",
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    }
    (paths[endpoint.path] ??= {})[endpoint.method.toLowerCase()] = {
      operationId: endpoint.id,
      summary: endpoint.summary,
      ...(endpoint.description ? { description: endpoint.description } : {}),
      tags: [endpoint.tag],
      "x-borg-fleet-action": endpoint.action,
      parameters: [...parameters(endpoint.params, "path", components), ...parameters(endpoint.query, "query", components)],
      ...(endpoint.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(endpoint.body, "input", components) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "borg-fleet automation API",
      version,
      description:
        "Read fleet status and run restores from scripts. Authenticate with an API token (Authorization: Bearer bft_...), created by an admin under Admin → API tokens or with `npm run tokens -- create`. A token has a role and a host scope like a user; hosts outside its scope answer 404. Lists are paginated with ?limit= and ?cursor=; reads carry ETags.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearerToken: [] }],
    components: { securitySchemes: { bearerToken: { type: "http", scheme: "bearer", bearerFormat: "bft_<lookup>_<secret>" } }, schemas: components },
    paths,
  };
}
