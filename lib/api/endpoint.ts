/**
 * One /api/v1 endpoint = one definition: method, path, policy action, zod schemas for path, query,
 * body and response, and the handler. `routeHandler()` turns it into a Next.js route handler that
 * runs the same steps for every endpoint, in this order:
 *
 *   bearer token (401) → rate limit (429) → role may do the action at all (403) → path (404) and
 *   query (400) parsed → host in scope (404, like a host page) → JSON body parsed (400/413/415) → handler
 *
 * every refusal audited with the token as the actor. lib/api/openapi.ts builds the OpenAPI document
 * from the same definitions, so the document cannot drift from what is validated.
 */
import { z } from "zod";
import { readBodyLimited } from "@/lib/http/body";
import { formatIssues } from "@/lib/validation";
import { roleAllows, type Action } from "@/lib/auth/policy";
import { hostNameSchema } from "@/lib/config/schema";
import { authenticateApi, authorizeApi, refuseInvalidInput, type ApiCaller } from "./auth";
import { jsonWithEtag } from "./etag";
import { problem } from "./problem";

/** Largest JSON body an endpoint reads (a restore of 10,000 encoded paths fits). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

type AnyObject = z.ZodObject<z.ZodRawShape>;

const formatIssuesForApi = (error: z.ZodError) => formatIssues(error, { limit: 5, root: "request" }).join("; ");

interface EndpointContext<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  request: Request;
  caller: ApiCaller;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

export interface Endpoint<P extends AnyObject = AnyObject, Q extends AnyObject = AnyObject, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  /** operationId in the OpenAPI document. */
  id: string;
  method: "GET" | "POST";
  /** OpenAPI path template under /api/v1, e.g. "/hosts/{host}". */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** The policy action; with a `host` path parameter the host must be in the caller's scope too. */
  action: Action;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The handler validates the body itself, through a shared request layer that refuses and audits in
   * its own words (lib/archives/request.ts): the body arrives as parsed JSON, `body` only documents it.
   */
  bodyCheckedByHandler?: boolean;
  response: R;
  /** Success status (200 by default; 202 for work that starts in the background). */
  status?: 200 | 201 | 202;
  /** Extra error statuses the endpoint itself may answer, for the document. */
  errors?: number[];
  handle(ctx: EndpointContext<P, Q, B>): Promise<z.input<R> | Response>;
}

export function defineEndpoint<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>(
  endpoint: Endpoint<P, Q, B, R>,
): Endpoint<P, Q, B, R> {
  return endpoint;
}

/** Every path's `{host}` parameter is a host name (validated before the scope check). */
export const hostParams = z.object({ host: hostNameSchema.describe("Host name, as in the repo path /srv/borg/<host>") });

/** An object of the URL's query parameters (repeated keys: the last wins; none of ours repeat). */
const queryObject = (url: URL) => Object.fromEntries(url.searchParams.entries());

type RouteContext = { params: Promise<Record<string, string | string[]>> };

export function routeHandler<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>(endpoint: Endpoint<P, Q, B, R>) {
  return async (request: Request, context?: RouteContext): Promise<Response> => {
    const caller = await authenticateApi(request, endpoint.action);
    if (caller instanceof Response) return caller;
    if (!roleAllows(caller.principal, endpoint.action)) return (await authorizeApi(request, caller, endpoint.action))!;

    const invalid = async (status: number, what: string, error: z.ZodError) => {
      await refuseInvalidInput(request, caller, endpoint.action, `${what}: ${formatIssuesForApi(error)}`);
      return problem(status, `Invalid ${what}: ${formatIssuesForApi(error)}`);
    };
    const params = (endpoint.params ?? z.object({})).safeParse((await context?.params) ?? {});
    // A path that names nothing valid (a malformed host or id) is "not found", as for any URL.
    if (!params.success) return invalid(404, "path", params.error);
    const query = (endpoint.query ?? z.object({})).safeParse(queryObject(new URL(request.url)));
    if (!query.success) return invalid(400, "query", query.error);
    const host = (params.data as { host?: string }).host;
    if (host !== undefined) {
      const refused = await authorizeApi(request, caller, endpoint.action, host);
      if (refused) return refused;
    }

    let body: unknown = undefined;
    if (endpoint.body) {
      if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) return problem(415, "Send the body as application/json.");
      const raw = await readBodyLimited(request, MAX_BODY_BYTES);
      if (raw === null) return problem(413, `The body is larger than ${MAX_BODY_BYTES} bytes.`);
      let json: unknown;
      try {
        json = JSON.parse(raw.toString("utf8"));
      } catch {
        return problem(400, "The body is not valid JSON.");
      }
      if (endpoint.bodyCheckedByHandler) body = json;
      else {
        const parsed = endpoint.body.safeParse(json);
        if (!parsed.success) return invalid(400, "body", parsed.error);
        body = parsed.data;
      }
    }

    const result = await endpoint.handle({ request, caller, params: params.data as z.output<P>, query: query.data as z.output<Q>, body: body as z.output<B> });
    if (result instanceof Response) return result;
    return jsonWithEtag(request, result, endpoint.status ?? 200);
  };
}
