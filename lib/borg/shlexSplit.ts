/**
 * Python's `shlex.split(text)` (POSIX mode, no comments), which borg applies to BORG_PASSCOMMAND
 * before running it without a shell. The dashboard runs a passcommand itself only to read the same
 * passphrase borg would (lib/borg/passphrase.ts), so it must split the command into the same words:
 *
 *   - words are separated by whitespace (space, tab, CR, LF) outside quotes;
 *   - '…' keeps everything literally; "…" keeps everything but a backslash before " or \;
 *   - outside quotes a backslash takes the next character literally;
 *   - quoted parts join the word they touch (a"b c"d is one word), '' is an empty word.
 *
 * Where Python raises ValueError (an unclosed quote, a trailing backslash) this throws, with no word
 * of the command in the message (it may hold a secret).
 */

const WHITESPACE = new Set([" ", "\t", "\r", "\n"]);

export class ShlexError extends Error {}

export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let word = "";
  /** A word has started (possibly empty, from quotes). */
  let inWord = false;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (WHITESPACE.has(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "\\") {
      if (i + 1 >= chars.length) throw new ShlexError("the command ends in a backslash that escapes nothing");
      word += chars[++i];
      inWord = true;
    } else if (c === "'") {
      const end = chars.indexOf("'", i + 1);
      if (end === -1) throw new ShlexError("the command has a single quote without its closing quote");
      word += chars.slice(i + 1, end).join("");
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < chars.length && chars[j] !== '"'; j++) {
        if (chars[j] === "\\" && (chars[j + 1] === '"' || chars[j + 1] === "\\")) j++;
        word += chars[j];
      }
      if (j >= chars.length) throw new ShlexError("the command has a double quote without its closing quote");
      i = j;
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
