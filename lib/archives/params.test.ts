import { describe, expect, it } from "vitest";
import { archiveFieldsSchema, archivePathSchema, folderPathSchema } from "./params";
import { encodePathParam } from "./pathParam";
import { formatIssues } from "@/lib/validation";

const problem = (schema: typeof archivePathSchema | typeof folderPathSchema, value: string) => {
  const result = schema.safeParse(value);
  return result.success ? null : formatIssues(result.error)[0];
};

describe("archivePathSchema: the one place a path parameter is decoded and checked", () => {
  it("gives the bytes of a plain and of a base64-marked (non-UTF-8) path", () => {
    expect(archivePathSchema.parse("etc/motd")).toEqual(Buffer.from("etc/motd"));
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    expect(archivePathSchema.parse(encodePathParam(latin1))).toEqual(latin1);
  });

  it.each([
    ["..", '"." or ".." component'],
    ["etc/../../x", '"." or ".." component'],
    ["/etc/passwd", "absolute"],
    ["etc//x", "empty"],
    ["", "empty"],
    ["~b64~!!", "not a valid path parameter"],
    [encodePathParam(Buffer.from("../x\xff", "latin1")), '".." component'],
  ])("refuses %j (%s)", (value, why) => {
    expect(problem(archivePathSchema, value)).toContain(why);
  });

  it("refuses an over-long parameter before decoding it", () => {
    expect(problem(archivePathSchema, "a".repeat(20_000))).toMatch(/^\(top level\): /);
  });
});

describe("folderPathSchema", () => {
  it("takes the top level as no bytes and ignores leading and trailing slashes", () => {
    expect(folderPathSchema.parse("")).toEqual(Buffer.alloc(0));
    expect(folderPathSchema.parse("/")).toEqual(Buffer.alloc(0));
    expect(folderPathSchema.parse("/etc/nginx/")).toEqual(Buffer.from("etc/nginx"));
  });

  it("refuses what archivePathSchema refuses, with the same words", () => {
    expect(problem(folderPathSchema, "..")).toBe(problem(archivePathSchema, ".."));
    expect(problem(folderPathSchema, "a/../b")).toContain('".." component');
  });
});

describe("archiveFieldsSchema", () => {
  it("takes an empty site as none and refuses a malformed host or site", () => {
    expect(archiveFieldsSchema.parse({ host: "web1", site: "", archive: "a" })).toEqual({ host: "web1", site: undefined, archive: "a" });
    expect(archiveFieldsSchema.safeParse({ host: "../web1", archive: "a" }).success).toBe(false);
    expect(archiveFieldsSchema.safeParse({ host: "web1", site: "../x", archive: "a" }).success).toBe(false);
    expect(archiveFieldsSchema.safeParse({ host: "web1", archive: "" }).success).toBe(false);
  });
});
