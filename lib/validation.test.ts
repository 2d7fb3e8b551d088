import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatIssuePath, formatIssues } from "./validation";

const schema = z.object({
  sites: z.array(z.object({ name: z.string().regex(/^[a-z]+$/, "expected a site name") })),
  limit: z.number().int(),
});

describe("formatIssues", () => {
  it("names each field the way people write it, with zod's message", () => {
    const result = schema.safeParse({ sites: [{ name: "ok" }, { name: "Bad Name" }], limit: 1.5 });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(formatIssues(result.error)).toEqual(["sites[1].name: expected a site name", expect.stringMatching(/^limit: /)]);
  });

  it("attributes an issue about the whole value to the root label", () => {
    const result = z.string().safeParse(42);
    if (result.success) throw new Error("parsed");
    expect(formatIssues(result.error)).toEqual([expect.stringMatching(/^\(top level\): /)]);
    expect(formatIssues(result.error, { root: "(body)" })[0]).toMatch(/^\(body\): /);
  });

  it("stops at the limit and says how many more there were", () => {
    const result = z.array(z.number()).safeParse(["a", "b", "c", "d"]);
    if (result.success) throw new Error("parsed");
    const lines = formatIssues(result.error, { limit: 2 });
    expect(lines).toHaveLength(3);
    expect(lines.slice(0, 2).map((l) => l.split(":")[0])).toEqual(["[0]", "[1]"]);
    expect(lines[2]).toBe("and 2 more problems");
    expect(formatIssues(result.error, { limit: 3 })[3]).toBe("and 1 more problem");
    expect(formatIssues(result.error, { limit: Infinity })).toHaveLength(4);
  });

  it("never echoes the refused value", () => {
    const secret = "hunter2-do-not-log";
    const result = z.object({ token: z.string().length(5) }).safeParse({ token: secret });
    if (result.success) throw new Error("parsed");
    expect(formatIssues(result.error).join("\n")).not.toContain(secret);
  });

  it("takes the issue list of any zod-like error (borg's JSON output checks use a structural type)", () => {
    expect(formatIssues({ issues: [{ path: ["archives", 0, "id"], message: "expected string" }] })).toEqual(["archives[0].id: expected string"]);
    expect(formatIssuePath([])).toBe("");
  });
});
