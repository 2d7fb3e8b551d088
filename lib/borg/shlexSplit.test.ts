/**
 * shlexSplit must give the words Python's shlex.split gives (borg splits BORG_PASSCOMMAND with it).
 * The expected words below were produced by Python 3.11's shlex.split on the same strings.
 */
import { describe, expect, it } from "vitest";
import { shlexSplit, ShlexError } from "./shlexSplit";

describe("shlexSplit", () => {
  it.each([
    ["cat /etc/pass", ["cat", "/etc/pass"]],
    ["  a   b  ", ["a", "b"]],
    ['a"b c"d', ["ab cd"]],
    ["'it''s'", ["its"]],
    ['""', [""]],
    ["''", [""]],
    ["a\\ b", ["a b"]],
    ['"x\\"y\\\\z\\n"', ['x"y\\z\\n']],
    ["'a\\b'", ["a\\b"]],
    ["printf %s 'p w'", ["printf", "%s", "p w"]],
    ["a\tb\nc", ["a", "b", "c"]],
    ["é 'ü x'", ["é", "ü x"]],
    ["", []],
  ])("%j splits like Python", (text, words) => {
    expect(shlexSplit(text)).toEqual(words);
  });

  it.each(["'abc", '"abc', "abc\\"])("%j is an error, like Python's ValueError, without the command's words in it", (text) => {
    expect(() => shlexSplit(text)).toThrow(ShlexError);
    try {
      shlexSplit(text);
    } catch (err) {
      expect((err as Error).message).not.toContain("abc");
    }
  });
});
