import { afterEach, describe, expect, it } from "vitest";
import { database, DatabaseUnavailableError, databaseStatus, setDatabase, setDatabaseUnavailable } from "./current";
import { openMemoryDatabase } from "./index";

afterEach(() => setDatabase(undefined));

describe("the runtime database", () => {
  it("throws a named error with the start-up reason when the server has none", () => {
    setDatabase(undefined);
    setDatabaseUnavailable("Invalid config /etc/borg-fleet/fleet.yml: sites: expected an array");
    expect(() => database()).toThrow(DatabaseUnavailableError);
    expect(() => database()).toThrow(/not open: Invalid config \/etc\/borg-fleet\/fleet.yml: sites/);
    expect(databaseStatus()).toEqual({ ok: false, reason: "Invalid config /etc/borg-fleet/fleet.yml: sites: expected an array" });
  });

  it("returns the installed database, and forgets an earlier failure once one is installed", () => {
    setDatabaseUnavailable("data directory not writable");
    const db = openMemoryDatabase();
    setDatabase(db);
    expect(database()).toBe(db);
    expect(databaseStatus()).toEqual({ ok: true });
    setDatabase(undefined);
    expect(databaseStatus()).toEqual({ ok: false, reason: "the server has not started its runtime" });
  });
});
