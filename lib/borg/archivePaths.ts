/**
 * Archive paths as borg sees them, and patterns files that select exactly those paths. Shared by
 * everything that hands user-selected paths to borg (downloads in export.ts, restores in extract.ts).
 *
 * Paths are BYTES and need not be valid UTF-8. They cannot go into argv exactly: Node encodes every
 * argument as UTF-8 (a lone surrogate becomes U+FFFD), and borg 1.2 reads a --patterns-from file with
 * the locale's strict UTF-8 decoder, one pattern per line, blanks stripped from both ends. So a
 * selection becomes ONE `re:` pattern written in pure ASCII: borg holds a path as the str
 * `bytes.decode("utf-8", "surrogateescape")` (Item.path), and Python's re understands `\uXXXX` escapes,
 * including the lone surrogates U+DC80..U+DCFF that stand for undecodable bytes. No character of a
 * user's path reaches borg unescaped, so nothing in it is pattern syntax, a placeholder (`{now}`), a
 * line break or an option. The paths are merged into a trie-shaped regex (common prefixes once), so
 * 10,000 selected paths cost one regex match per archive item, not 10,000. A last line `- re:^`
 * excludes everything else (without PATH arguments borg's fallback is "include everything"; root
 * lines, `R path`, are checked after the file's own patterns and would be hidden by that exclude).
 */

/** Length of the valid UTF-8 sequence starting at i (as Python's strict decoder accepts it), or 0. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // No overlongs (E0 80..9F) and no encoded surrogates (ED A0..BF): Python rejects both.
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * The code points of the str borg holds for these path bytes: `bytes.decode("utf-8", "surrogateescape")`,
 * where every byte that is not part of a valid sequence becomes U+DC00 + byte.
 */
export function borgPathCodePoints(bytes: Buffer): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len === 0) {
      out.push(0xdc00 + bytes[i]!);
      i += 1;
    } else {
      out.push(
        bytes
          .subarray(i, i + len)
          .toString("utf8")
          .codePointAt(0)!,
      );
      i += len;
    }
  }
  return out;
}

/**
 * The inverse of borgPathCodePoints: a path as borg prints it in JSON (surrogateescape, lone
 * U+DC80..U+DCFF standing for bytes 0x80..0xFF) back to the bytes it names.
 */
export function bytesFromBorgPath(text: string): Buffer {
  const parts: Buffer[] = [];
  let run = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      // A low surrogate after a high one is half of a real character (not possible in this range for
      // valid pairs' first unit, but the check keeps pairs intact).
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
      if (!(prev >= 0xd800 && prev <= 0xdbff)) {
        if (run) parts.push(Buffer.from(run, "utf8"));
        run = "";
        parts.push(Buffer.from([c - 0xdc00]));
        continue;
      }
    }
    run += text[i];
  }
  if (run) parts.push(Buffer.from(run, "utf8"));
  return Buffer.concat(parts);
}

/** One code point as a Python regex atom in pure ASCII. */
function regexAtom(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f || cp === 0x2f) {
    return String.fromCharCode(cp);
  }
  return cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\U${cp.toString(16).padStart(8, "0")}`;
}

interface TrieNode {
  children: Map<number, TrieNode>;
  terminal: boolean;
}

/**
 * A Python regex matching exactly these paths ("exact") or these paths and everything below them
 * ("prefix"), built as a trie so shared prefixes are matched once.
 */
export function pathsRegex(paths: readonly Buffer[], mode: "exact" | "prefix"): string {
  if (paths.length === 0) throw new RangeError("pathsRegex needs at least one path");
  const root: TrieNode = { children: new Map(), terminal: false };
  for (const p of paths) {
    let node = root;
    for (const cp of borgPathCodePoints(p)) {
      let next = node.children.get(cp);
      if (!next) node.children.set(cp, (next = { children: new Map(), terminal: false }));
      node = next;
    }
    node.terminal = true;
  }
  const end = mode === "exact" ? "$" : "(?:/|$)";
  // Recursion only at branch points; single-child chains are walked in a loop.
  const render = (start: TrieNode): string => {
    let out = "";
    let node = start;
    while (!node.terminal && node.children.size === 1) {
      const [cp, child] = node.children.entries().next().value as [number, TrieNode];
      out += regexAtom(cp);
      node = child;
    }
    const alternatives = [...node.children].map(([cp, child]) => regexAtom(cp) + render(child));
    if (node.terminal) alternatives.push(end);
    return alternatives.length === 1 ? out + alternatives[0] : `${out}(?:${alternatives.join("|")})`;
  };
  return `^${render(root)}`;
}

/** Archive paths we accept: relative, no empty, "." or ".." component, no NUL, at most 4096 bytes. */
export function archivePathProblem(bytes: Buffer): string | null {
  if (bytes.length === 0) return "the path is empty";
  if (bytes.length > 4096) return "the path is longer than 4096 bytes";
  if (bytes.includes(0)) return "the path contains a NUL byte";
  if (bytes[0] === 0x2f) return "the path is absolute";
  for (const part of bytes.toString("latin1").split("/")) {
    if (part === "" || part === "." || part === "..") return 'the path has an empty, "." or ".." component';
  }
  return null;
}

/**
 * The --patterns-from text that selects exactly `paths` ("exact") or the paths and everything below
 * them ("prefix"), and nothing else. Callers check archivePathProblem first.
 */
export function selectionPatterns(paths: readonly Buffer[], mode: "exact" | "prefix"): string {
  return `+ re:${pathsRegex(paths, mode)}\n- re:^\n`;
}
