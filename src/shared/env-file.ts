// An env-file EDITOR, shared by the initializer and the runtime. It never regenerates a file: it finds the
// assignments it was asked to change and splices new text into exactly those byte ranges, so comments, blank
// lines, `export ` prefixes, other keys' quoting, multi-line values, CRLF, a BOM and a missing final newline
// survive.
//
// WHO READS AN ENV FILE, AND HOW (established by experiment on dotenv 17.4.2, the dotenv 16.3.1 + dotenv-expand
// bundled in @next/env 16.4.6, Node 20.20's util.parseEnv, dash 0.5 and bash 5; see test/unit/env-readers.test.ts):
//
//  dotenv (v16/v17: Prisma, most tools; @next/env bundles the same parser). One global regex, DOTENV_LINE below,
//    run over the text after `\r\n?` → `\n`. What it accepts:
//      - `KEY=value`, `KEY = value`, `export KEY=value`, and `KEY: value` (a colon followed by at least one
//        whitespace; `KEY:value` is NOT an assignment). Keys are `[\w.-]+` (ASCII).
//      - leading whitespace is `\s*`, which includes a UTF-8 BOM (U+FEFF), tabs, NBSP, and even line breaks; `^`
//        also matches after U+2028/U+2029, so a key can start in the middle of a physical line.
//      - '…', "…", `…` quotes, closed by the LAST quote char on a line that is followed only by blanks and a
//        comment (`\'`, `\"` do not close but are kept, backslash included); they may span lines.
//      - unquoted values end at `#` and are trimmed (JS trim: NBSP, BOM… too); an unquoted value that merely starts
//        and ends with the same quote (`'a' 'b'`) has those two stripped (→ `a' 'b`).
//      - only in double quotes: `\n` → LF and `\r` → CR. No other escapes, ever.
//      - the last assignment of a key wins; `__proto__` is dropped (it is assigned to a plain object).
//  @next/env (Next.js): dotenv 16.3.1's parse, then dotenv-expand: in EVERY value, whatever its quotes,
//    `$NAME`, `${NAME}`, `${NAME:-default}` are replaced (by process.env, else earlier keys, else ""), and `\$`
//    becomes `$`. Keys already in process.env are not taken from the file.
//  Node (--env-file, process.loadEnvFile, util.parseEnv; 20.12+): a hand-written scanner, very different:
//      - a key is whatever precedes the next `=`, trimmed of spaces only, even across line breaks (`A:\nB=2` reads
//        key "A:\nB"), minus one leading `export ` (`export\tK`, `  export   K` and `\tK` are other keys);
//      - a BOM is not skipped: the first key of a BOM file is "\uFEFFKEY". (We treat that as Node's defect and
//        check Node's reading of the text after the BOM: no edit can make Node 20 read a BOM file's first key.)
//      - Node 20 glues a line without `=` (`not an assignment`, `KEY: value`) onto the next line's key; Node 22+
//        stops at the line break. We read Node's keys as Node 22+ does (the part after the last line break),
//        since no edit of ours can stop Node 20 from doing that to a line the user wrote;
//      - NO `KEY: value`; a `#` line is a comment only when it ends with a line break.
//      - quotes close at the FIRST matching quote char (no escapes), the rest of that line is ignored; an
//        unterminated quote reads the rest of the line literally; only `\n` is expanded (in double quotes).
//      - unquoted values end at `#`, trimmed of spaces only.
//  sh (`set -a; . ./.env`; dash, bash): shell syntax: `$`, backticks and `\` are live outside single quotes,
//    `;`, `&`, `|`, spaces split commands, `~` expands (bash), `KEY = v` and `KEY: v` are commands. CRLF files cannot
//    be sourced correctly at all (every value gets a trailing CR).
//
// WHAT WE DO
//   Reading (parseEnv/tokenizeEnv) is dotenv's parse, exactly (same regex, same decoding), with byte positions.
//   Removing a key removes every assignment dotenv reads as that key and, should Node's scanner still see it, every
//   line Node could read as it (`[ \t]*(export )?KEY[ \t]*=`).
//   Writing a value uses the only forms every reader agrees on, with `KEY=` or `export KEY=`:
//     bare       `[A-Za-z0-9_@%+=:,./^-]*` (no `~`: bash expands it);
//     '…'        anything without `'` (sh literal; dotenv and Node literal; a newline is written as the file's EOL);
//     "…"        anything without `"`, `$`, backtick, and with no backslash before `\ $ ` " n r`, a newline or the end.
//   Values that NO form writes faithfully make setEnvValues throw (naming the key): a CR or NUL (dotenv and Node
//   turn CR into LF), `$NAME` / `${…` / `\$` (Next.js expands them in every quoting), a final backslash (dotenv
//   reads `'…\'` as an escaped quote when another `'` follows in the file), and a `'` together with `"`, a
//   backtick, `$` or a backslash that double quotes cannot carry.
//   Every edit is checked by re-reading the result with dotenv and with the running Node's own util.parseEnv:
//   the touched keys must read as asked and every other key exactly as before, else setEnvValues throws instead of
//   writing something a reader would misread. A line that already reads as the requested value (for dotenv and
//   Node) is not touched at all, so setting a key to its current value leaves the file byte-identical.

import * as util from 'node:util';

export interface EnvEntry {
  /** Byte range [start, end) of the whole entry in the text, including its line ending(s). */
  start: number;
  end: number;
  /** Present for assignments (the first one dotenv reads in this entry). */
  key?: string;
  /** Every key dotenv assigns in this entry (more than one only for U+2028-separated assignments). */
  keys?: string[];
  /** Range of the value's source text (quotes included) inside [start, end). */
  valueStart?: number;
  valueEnd?: number;
  /** Decoded value (dotenv). */
  value?: string;
}

/** dotenv's LINE regex (lib/main.js, v16.3–v17.4), with capture groups added around every part. */
const DOTENV_LINE =
  /(?:^|^)(\s*(?:export\s+)?)([\w.-]+)(\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?(\s*(?:#.*)?)(?:$|$)/gm;
const WRITABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BARE = /^[A-Za-z0-9_@%+=:,./^-]*$/;

interface Assign {
  key: string;
  value: string;
  /** Original offsets. */
  keyStart: number;
  valueStart: number;
  valueEnd: number;
  quote: string | undefined;
  /** Physical line span [lineStart, lineEnd) including the final line break. */
  lineStart: number;
  lineEnd: number;
}

function bomLength(text: string): number {
  return text.charCodeAt(0) === 0xfeff ? 1 : 0;
}

function lineStartOf(text: string, pos: number): number {
  const ls = pos === 0 ? 0 : text.lastIndexOf('\n', pos - 1) + 1;
  return Math.max(ls, ls === 0 ? bomLength(text) : 0);
}

function lineEndAfter(text: string, lastChar: number): number {
  const nl = text.indexOf('\n', Math.max(0, lastChar));
  return nl === -1 ? text.length : nl + 1;
}

/** Every assignment dotenv reads, in order, with positions in the original text. */
function dotenvAssignments(text: string): Assign[] {
  // dotenv replaces /\r\n?/g by \n before matching; keep a map back to original offsets.
  let norm = '';
  const toOrig: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    toOrig.push(i);
    if (c === '\r') {
      norm += '\n';
      if (text[i + 1] === '\n') i++;
    } else norm += c;
  }
  toOrig.push(text.length);
  const out: Assign[] = [];
  const re = new RegExp(DOTENV_LINE.source, 'gm');
  let m: RegExpExecArray | null;
  while ((m = re.exec(norm)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const [, lead, key, sep, rawValue] = m;
    const keyAt = m.index + lead!.length;
    const valueAt = keyAt + key!.length + sep!.length;
    const raw = rawValue ?? '';
    const trimmed = raw.trim();
    const lead2 = trimmed ? raw.length - raw.trimStart().length : 0;
    const vs = valueAt + lead2;
    const ve = vs + trimmed.length;
    // dotenv's own decoding, verbatim.
    const maybeQuote = trimmed[0];
    let value = trimmed.replace(/^(['"`])([\s\S]*)\1$/gm, '$2');
    if (maybeQuote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    const contentEnd = trimmed ? ve : valueAt;
    const keyStart = toOrig[keyAt]!;
    const end = toOrig[contentEnd]!;
    out.push({
      key: key!,
      value,
      keyStart,
      valueStart: toOrig[vs]!,
      valueEnd: end,
      quote: /^(['"`])[\s\S]*\1$/.test(trimmed) && trimmed.length >= 2 ? maybeQuote : undefined,
      lineStart: lineStartOf(text, keyStart),
      lineEnd: lineEndAfter(text, Math.max(end - 1, keyStart)),
    });
  }
  return out;
}

interface Group {
  start: number;
  end: number;
  assigns: Assign[];
}

function groupsOf(assigns: Assign[]): Group[] {
  const groups: Group[] = [];
  for (const a of assigns) {
    const last = groups[groups.length - 1];
    if (last && a.lineStart < last.end) {
      last.end = Math.max(last.end, a.lineEnd);
      last.assigns.push(a);
    } else groups.push({ start: a.lineStart, end: a.lineEnd, assigns: [a] });
  }
  return groups;
}

/** Split `text` into contiguous entries: one per assignment (possibly several lines) or other line. */
export function tokenizeEnv(text: string): EnvEntry[] {
  const groups = groupsOf(dotenvAssignments(text));
  const entries: EnvEntry[] = [];
  let pos = 0;
  const plainLines = (to: number) => {
    while (pos < to) {
      const next = Math.min(lineEndAfter(text, pos), to);
      entries.push({ start: pos, end: next });
      pos = next;
    }
  };
  for (const g of groups) {
    // A BOM before the first key stays with that key's entry.
    plainLines(g.start === bomLength(text) && pos === 0 ? 0 : g.start);
    const a = g.assigns[0]!;
    entries.push({
      start: pos,
      end: g.end,
      key: a.key,
      keys: [...new Set(g.assigns.map((x) => x.key))],
      valueStart: a.valueStart,
      valueEnd: a.valueEnd,
      value: a.value,
    });
    pos = g.end;
  }
  plainLines(text.length);
  return entries;
}

/** Parse env text exactly as dotenv does: key → value, last assignment wins. */
export function parseEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of dotenvAssignments(text)) if (a.key !== '__proto__') out.set(a.key, a.value);
  return out;
}

/** A key as Node 22+ reads it: Node 20 glues preceding lines without `=` onto it ("junk\n  export K" → "K"). */
function nodeKey(k: string): string {
  const nl = k.lastIndexOf('\n');
  return nl === -1
    ? k
    : k
        .slice(nl + 1)
        .replace(/^[ \t]+/, '')
        .replace(/^export /, '')
        .replace(/^[ \t]+/, '');
}

/** Node 20 holds both "K" and a glued "junk\nK": which one a program sees as K is not knowable from the text. */
const AMBIGUOUS = '\0ambiguous';

/**
 * Node's own reading (util.parseEnv of the running Node) of the text after its BOM, keys as Node 22+ reads them
 * (a glued `#…` line is a comment there); null when unavailable.
 */
function nodeParse(text: string): Map<string, string> | null {
  const parse = (util as { parseEnv?: (s: string) => Record<string, string> }).parseEnv;
  if (typeof parse !== 'function') return null;
  try {
    const out = new Map<string, string>();
    for (const [raw, v] of Object.entries(parse(text.slice(bomLength(text))))) {
      const k = nodeKey(raw);
      if (k.startsWith('#')) continue;
      out.set(k, out.has(k) ? AMBIGUOUS : v);
    }
    return out;
  } catch {
    return null;
  }
}

/** The line ending a file uses: CRLF when its first line break is CRLF, else LF. */
export function detectEol(text: string): '\n' | '\r\n' {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

function doubleQuotable(v: string): boolean {
  return !/["$`]/.test(v) && !/\\([\\$`"\nnr]|$)/.test(v);
}

/** Why no form reads back as `value` in sh, dotenv, Node and @next/env; null when one does. */
export function unwritableReason(value: string): string | null {
  if (value.includes('\0')) return 'it contains a NUL character';
  if (value.includes('\r')) return 'it contains a carriage return, which dotenv and Node read as a line break';
  if (/\$\{?\w/.test(value) || value.includes('\\$'))
    return 'it contains `$NAME`, `${…}` or `\\$`, which Next.js (@next/env) expands in every kind of quotes';
  if (value.endsWith('\\'))
    return 'it ends with a backslash, which dotenv reads as escaping a closing \' and sh as escaping a closing "';
  if (value.includes("'") && !doubleQuotable(value))
    return 'it contains a single quote together with `"`, a backtick, `$` or a backslash: no quoting reads back the same in sh, dotenv and Node';
  return null;
}

/** Every faithful source form of `value`, best first. */
function formsOf(value: string, eol: '\n' | '\r\n', prefer?: string): string[] {
  if (unwritableReason(value) !== null) return [];
  const nl = value.replace(/\n/g, eol);
  const single = value.includes("'") ? null : `'${nl}'`;
  const double = doubleQuotable(value) ? `"${nl}"` : null;
  const bare = BARE.test(value) ? value : null;
  const order =
    prefer === '"' ? [double, bare, single] : prefer === "'" ? [single, bare, double] : [bare, single, double];
  return [...new Set(order.filter((f): f is string => f !== null))];
}

/**
 * How a value is written: in the quotes the line already used when that is faithful (a user's `DATABASE_URL="…"`
 * stays double-quoted); else bare when every reader agrees on it (no `&`, `;`, spaces…: `set -a; . ./.env` must not
 * cut a URL at its `&`); else single quotes, else double quotes. Throws when no form is read back as `value` by
 * sh, dotenv, Node and @next/env alike (see unwritableReason).
 */
export function formatEnvValue(value: string, eol: '\n' | '\r\n' = '\n', prefer?: string): string {
  const f = formsOf(value, eol, prefer)[0];
  if (f === undefined)
    throw new Error(`this value cannot be written to an env file safely: ${unwritableReason(value)}`);
  return f;
}

export interface SetEnvOptions {
  /** Only add keys that are not assigned yet; existing assignments are left alone (null still removes). */
  onlyMissing?: boolean;
  /** Comment written before appended keys (only when something is appended). Lines without `#` get `# `. */
  header?: string;
}

interface Readings {
  dotenv: Map<string, string>;
  node: Map<string, string> | null;
}

function readAll(text: string): Readings {
  return { dotenv: parseEnv(text), node: nodeParse(text) };
}

/**
 * Does `after` read `want` (key → value | null = absent) and every other key as `before` did? For dotenv exactly;
 * Node may also change its reading of another key to what dotenv reads (a `KEY: v` line Node glued to the next
 * key is gone, so Node now reads that next key as dotenv always did).
 */
function faithful(before: Readings, after: Readings, want: Map<string, string | null>): boolean {
  const targets = (a: Map<string, string>) => [...want].every(([k, v]) => (v === null ? !a.has(k) : a.get(k) === v));
  if (!targets(after.dotenv)) return false;
  for (const k of new Set([...before.dotenv.keys(), ...after.dotenv.keys()]))
    if (!want.has(k) && before.dotenv.get(k) !== after.dotenv.get(k)) return false;
  const b = before.node;
  const a = after.node;
  if (!b || !a) return true;
  if (!targets(a)) return false;
  for (const k of new Set([...b.keys(), ...a.keys()]))
    if (!want.has(k) && b.get(k) !== a.get(k) && a.get(k) !== after.dotenv.get(k)) return false;
  return true;
}

function splice(text: string, edits: { start: number; end: number; text: string }[]): string {
  let out = '';
  let pos = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** Physical lines (outside `keep`) that Node's scanner could read as `key`. */
function nodeKeyLines(text: string, key: string, keep?: { start: number; end: number }) {
  const re = new RegExp(`^[ \\t]*(?:export )?${key}[ \\t]*=`, 'gm');
  const edits: { start: number; end: number; text: string }[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const start = Math.max(m.index, m.index === 0 ? bomLength(text) : 0);
    if (keep && start >= keep.start && start < keep.end) continue;
    edits.push({ start, end: lineEndAfter(text, m.index), text: '' });
  }
  return edits;
}

function cannotEdit(key: string, why: string, remove = false): Error {
  return new Error(`cannot ${remove ? 'remove' : 'write'} ${key} ${remove ? 'from' : 'to'} the env file: ${why}`);
}

const DISAGREE =
  'dotenv and Node read the lines around it differently, and no edit leaves every other variable as both read it';

/** Remove every assignment of `key` any reader sees. */
function removeKey(text: string, key: string): string {
  const before = readAll(text);
  if (!before.dotenv.has(key) && !before.node?.has(key)) return text;
  const want = new Map<string, string | null>([[key, null]]);
  const groups = groupsOf(dotenvAssignments(text)).filter((g) => g.assigns.some((a) => a.key === key));
  let out = splice(
    text,
    groups.map((g) => ({ start: g.start, end: g.end, text: '' })),
  );
  if (!faithful(before, readAll(out), want)) out = splice(out, nodeKeyLines(out, key));
  if (!faithful(before, readAll(out), want)) throw cannotEdit(key, DISAGREE, true);
  return out;
}

/** Replace the first assignment of `key` (dotenv's view) by `value`, removing later ones. */
function replaceKey(text: string, key: string, value: string, eol: '\n' | '\r\n'): string {
  const before = readAll(text);
  const groups = groupsOf(dotenvAssignments(text)).filter((g) => g.assigns.some((a) => a.key === key));
  const first = groups[0]!;
  const a = first.assigns.find((x) => x.key === key)!;
  const rest = groups.slice(1).map((g) => ({ start: g.start, end: g.end, text: '' }));
  // Rebuild the assignment's own lines: what precedes it on its line, `export `, `KEY=`, the value, its comment.
  const onLine = text.slice(a.lineStart, a.keyStart);
  const exported = /(^|\s)export\s+$/.test(onLine);
  let indent = exported ? onLine.replace(/export\s+$/, '') : onLine;
  if (/^[ \t]*$/.test(indent) && indent.includes('\t')) indent = ''; // Node does not skip tabs before a key
  const contentEnd = a.valueEnd;
  const lineBreakAt = text.slice(contentEnd, first.end).search(/\r?\n/);
  const editEnd = lineBreakAt === -1 ? first.end : contentEnd + lineBreakAt;
  let suffix = text.slice(contentEnd, editEnd);
  if (suffix.startsWith('#')) suffix = ` ${suffix}`; // sh: `'v'#c` would read `v#c`
  const head = `${indent}${exported ? 'export ' : ''}${key}=`;
  const want = new Map<string, string | null>([[key, value]]);
  const forms = formsOf(value, eol, a.quote === '"' || a.quote === "'" ? a.quote : undefined);
  if (!forms.length) throw cannotEdit(key, unwritableReason(value)!);
  for (const f of forms) {
    const line = { start: a.lineStart, end: editEnd, text: head + f + suffix };
    let out = splice(text, [line, ...rest]);
    if (!faithful(before, readAll(out), want)) {
      // Node may still read a later line as the key (inside what dotenv reads as another value).
      const written = { start: a.lineStart, end: a.lineStart + line.text.length };
      const extra = nodeKeyLines(out, key, written);
      if (extra.length) out = splice(out, extra);
    }
    if (faithful(before, readAll(out), want)) return out;
  }
  throw cannotEdit(key, DISAGREE);
}

/**
 * Set, replace or remove keys in env text. A string value replaces the first assignment of the key in place
 * (later duplicate assignments are removed) or is appended at the end; `null` removes every assignment of the key
 * that dotenv or Node reads. A key that already reads as the requested value is left untouched. Every byte that
 * does not belong to a touched assignment is kept. Throws (naming the key) when a value cannot be written so that
 * sh, dotenv, Node and Next.js all read it back, or when the readers disagree about the file so much that no edit
 * is safe.
 */
export function setEnvValues(text: string, values: Record<string, string | null>, opts: SetEnvOptions = {}): string {
  for (const k of Object.keys(values)) {
    if (!WRITABLE_KEY.test(k)) throw new Error(`invalid env variable name: ${JSON.stringify(k)}`);
  }
  const eol = detectEol(text);
  let out = text;
  const missing: [string, string][] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v === null) {
      out = removeKey(out, k);
      continue;
    }
    const now = readAll(out);
    if (!now.dotenv.has(k)) {
      // Node alone may read it (from inside another value): appending makes the last assignment ours for both.
      if (unwritableReason(v) !== null) throw cannotEdit(k, unwritableReason(v)!);
      missing.push([k, v]);
      continue;
    }
    if (opts.onlyMissing) continue;
    if (now.dotenv.get(k) === v && (!now.node || now.node.get(k) === v)) continue; // already reads as asked: no change
    out = replaceKey(out, k, v, eol);
  }
  if (missing.length) {
    const before = readAll(out);
    let header = '';
    if (opts.header) {
      for (const h of opts.header.split(/\r?\n/)) header += (h.startsWith('#') ? h : `# ${h}`.trimEnd()) + eol;
    }
    for (const [k, v] of missing) {
      const want = new Map<string, string | null>([[k, v]]);
      const bom = out.slice(0, bomLength(out));
      const body = out.slice(bom.length);
      const sep = body.length && !body.endsWith('\n') ? eol : '';
      // At the end, as people add keys; else at the top, where no earlier line's quote can swallow it (dotenv reads
      // `A='\'` and a later `X='…'` as one value spanning both lines).
      const candidates = formsOf(v, eol).flatMap((f) => [
        `${out}${sep}${header}${k}=${f}${eol}`,
        `${bom}${header}${k}=${f}${eol}${body}`,
      ]);
      const ok = candidates.find((t) => faithful(before, readAll(t), want));
      if (ok === undefined) throw cannotEdit(k, DISAGREE);
      out = ok;
      header = '';
      Object.assign(before, readAll(out));
    }
  }
  return out;
}
