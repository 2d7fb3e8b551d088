/**
 * lib/borg must satisfy the interface the collector was written against (lib/collector/borgReader.ts).
 * This is checked by the type checker; the runtime part only keeps vitest from calling the file empty.
 */
import { describe, expect, it } from "vitest";
import type { BorgReader } from "@/lib/collector/borgReader";
import * as borg from "./index";

const reader: BorgReader = borg;

describe("lib/borg as the collector's BorgReader", () => {
  it("provides every method", () => {
    for (const name of ["newestArchive", "listArchives", "archivesInfo", "repoStats", "isRepoLockedLocally"] as const) {
      expect(typeof reader[name]).toBe("function");
    }
  });
});
