// How mosquitto 2.0 reads its text files (acl_file, password_file, mosquitto.conf):
// fields are split with strtok(" "), so only the space separates them; other
// whitespace is trimmed only where mosquitto calls isspace() (C locale), and
// anything else (a tab inside a field, a UTF-8 BOM, a no-break space) is part
// of the word it touches. These helpers reproduce that and name the culprit.

/** C isspace() in the C locale: space, \t, \n, \v, \f, \r. */
export function isCSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

/** Strip trailing isspace() characters (what mosquitto does to each acl_file line). */
export function trimEndC(s: string): string {
  let end = s.length;
  while (end > 0 && isCSpace(s[end - 1])) end--;
  return s.slice(0, end);
}

/** mosquitto's misc__trimblanks(): isspace() stripped at both ends, nothing else. */
export function trimC(s: string): string {
  let start = 0;
  while (start < s.length && isCSpace(s[start])) start++;
  return trimEndC(s.slice(start));
}

/**
 * strtok_r(s, " ") followed by strtok_r(NULL, ""): the first space-separated
 * word (leading spaces skipped) and the text after the one space that ends it
 * (null when nothing follows, as strtok returns NULL for an empty remainder).
 */
export function firstWord(s: string): { word: string; rest: string | null } | null {
  let i = 0;
  while (i < s.length && s[i] === ' ') i++;
  if (i === s.length) return null;
  const end = s.indexOf(' ', i);
  if (end < 0) return { word: s.slice(i), rest: null };
  const rest = s.slice(end + 1);
  return { word: s.slice(i, end), rest: rest === '' ? null : rest };
}

const NAMED: Record<string, string> = {
  '\t': 'a tab character',
  '\v': 'a vertical tab',
  '\f': 'a form feed',
  '\r': 'a carriage return',
  '\u00a0': 'a no-break space (U+00A0)',
  '\ufeff': 'a UTF-8 byte order mark (U+FEFF)',
  '\u200b': 'a zero-width space (U+200B)',
};

/** The first character in `s` that looks like a separator but is not a space to mosquitto, or null. */
export function strayWhitespace(s: string): { ch: string; name: string } | null {
  for (const ch of s) {
    if (ch === ' ') continue;
    if (NAMED[ch] !== undefined) return { ch, name: NAMED[ch] };
    if (/\s/u.test(ch)) return { ch, name: `the whitespace character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` };
  }
  return null;
}

/** Printable form of a word for messages: control and invisible characters as \t, \u{feff}, … */
export function showWord(s: string): string {
  return s.replace(/[\t\v\f\r]|\p{Cc}|[^\P{White_Space}\u0020]|\ufeff|\u200b/gu, (ch) => {
    if (ch === '\t') return '\\t';
    if (ch === '\v') return '\\v';
    if (ch === '\f') return '\\f';
    if (ch === '\r') return '\\r';
    return `\\u{${ch.codePointAt(0)!.toString(16)}}`;
  });
}

/**
 * Why mosquitto would not recognise `word` as a keyword, for an error message:
 * a BOM at the start of the file, an indented comment, or a tab/odd space glued to it.
 * Null when the word is simply unknown.
 */
export function keywordProblem(word: string, lineNo: number, raw: string): string | null {
  if (lineNo === 1 && raw.startsWith('\ufeff')) {
    return 'the file starts with a UTF-8 byte order mark (BOM), which mosquitto reads as part of the first word: save the file without a BOM';
  }
  if (trimC(raw).startsWith('#') && raw[0] !== '#') {
    return `a comment must have '#' in the first column: mosquitto reads an indented '#' as a word and refuses the line`;
  }
  // No acl_file or mosquitto.conf keyword holds a ':'; a password_file line does
  // (USER:PASSWORD or USER:$7$…): the files were swapped. Quoting the word would print
  // the password, or its hash, on the terminal and in logs: the user name only.
  const colon = word.indexOf(':');
  if (colon >= 0) {
    return `unknown keyword '${showWord(word.slice(0, colon))}:…' (no keyword holds a ':'; fields are separated by spaces). `
      + 'It looks like a password_file line (USER:PASSWORD), so the rest is not shown: was the password_file given in the place of this file?';
  }
  const stray = strayWhitespace(word);
  if (stray) {
    return `${stray.name} in '${showWord(word)}': mosquitto separates fields with spaces only, so it is part of the word`;
  }
  return null;
}

/** Control characters and non-characters: mosquitto 2.0 (mosquitto_validate_utf8) refuses every packet string holding one. */
const REFUSED_CHAR = /[\p{Cc}\p{Noncharacter_Code_Point}]/u;

/**
 * The first character of `s` that makes mosquitto 2.0.11 close the connection when
 * it is in a topic, filter, client id, username or will topic, described
 * ('the control character U+0009'), with its code point; null when there is none.
 */
export function refusedCharacter(s: string): { cp: number; name: string } | null {
  const m = REFUSED_CHAR.exec(s);
  if (m === null) return null;
  const cp = m[0].codePointAt(0)!;
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return { cp, name: `${cp <= 0x9f ? 'the control character' : 'the non-character'} ${u}` };
}

/** Control characters shown as `\x09`-style escapes, for text written to a terminal (a client's topic or username could move the cursor or clear the screen). */
export function escapeControls(s: string): string {
  return s.replace(/\p{Cc}/gu, (c) => `\\x${c.codePointAt(0)!.toString(16).padStart(2, '0')}`);
}
