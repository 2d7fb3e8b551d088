/** The OpenAPI 3.1 document of /api/v1: public (it describes the API, it holds no data). */
import { ENDPOINTS } from "@/lib/api/endpoints";
import { openApiDocument } from "@/lib/api/openapi";
import packageJson from "@/package.json";

export const dynamic = "force-static";

export function GET(): Response {
  return Response.json(openApiDocument(ENDPOINTS, packageJson.version), { headers: { "Cache-Control": "public, max-age=300" } });
}
