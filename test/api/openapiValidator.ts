/**
 * Checking API responses against the served OpenAPI document (JSON Schema 2020-12 via ajv): the
 * response schema of an operation and status, with its $refs into components resolved.
 */
import Ajv2020 from "ajv/dist/2020.js";

export function responseValidator(doc: Record<string, unknown>) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: "openapi" });
  const paths = doc.paths as Record<string, Record<string, { operationId: string }>>;
  const pointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");
  return (operationId: string, status: number, body: unknown): string | null => {
    for (const [path, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (op.operationId !== operationId) continue;
        const type = status < 300 ? "application/json" : "application/problem+json";
        const ref = `openapi#/paths/${pointer(path)}/${method}/responses/${status}/content/${pointer(type)}/schema`;
        const validate = ajv.getSchema(ref);
        if (!validate) return `no response ${status} documented for ${operationId}`;
        return validate(body) ? null : ajv.errorsText(validate.errors);
      }
    }
    return `no operation ${operationId}`;
  };
}
