/** The OpenAPI document of /api/v1: valid OpenAPI 3.1, public, and listing every endpoint with its action. */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/openapi.json/route";
import { ENDPOINTS } from "@/lib/api/endpoints";

describe("GET /api/v1/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document, served without a token", async () => {
    const response = GET();
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string; "x-borg-fleet-action": string }>> };
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    expect(operations.map((o) => o.operationId).sort()).toEqual(ENDPOINTS.map((e) => e.id).sort());
    for (const endpoint of ENDPOINTS) expect(operations.find((o) => o.operationId === endpoint.id)!["x-borg-fleet-action"]).toBe(endpoint.action);
  });

  it("fails validation when an operation is broken (the validator is not a rubber stamp)", async () => {
    const doc = (await GET().json()) as { paths: Record<string, Record<string, { responses?: unknown }>> };
    delete doc.paths["/hosts"]!.get!.responses;
    doc.paths["/hosts"]!.get!.responses = "none";
    const result = await new Validator().validate(doc as never);
    expect(result.valid).toBe(false);
  });
});
