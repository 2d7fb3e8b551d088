/**
 * Host scope patterns: `*` (any run of characters, possibly empty) and `?` (exactly one character),
 * nothing else special. Matched by hand, never turned into a RegExp, so a pattern cannot inject regex
 * syntax or cause catastrophic backtracking. Host names are compared case-insensitively (DNS).
 */

/** What a scope pattern may contain: host name characters plus `*` and `?`. */
const HOST_PATTERN = /^[A-Za-z0-9._*?-]{1,253}$/;

export function isValidHostPattern(pattern: string): boolean {
  return HOST_PATTERN.test(pattern);
}

/** True when `text` matches the glob `pattern` (linear-time greedy matcher with one backtrack point). */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === "?" || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

/** True when any of the patterns matches the host. Invalid patterns match nothing. */
export function hostInScope(patterns: readonly string[], host: string): boolean {
  return patterns.some((p) => isValidHostPattern(p) && globMatch(p, host));
}
