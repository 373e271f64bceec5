// An env-file EDITOR, shared by the initializer and the runtime. It never regenerates a file: it finds the
// assignments it was asked to change and splices new text into exactly those byte ranges, so comments, blank
// lines, `export ` prefixes, other keys' quoting, multi-line values, CRLF and a missing final newline survive.
//
// Parsing follows Node's `dotenv` (v16) where it matters for real files:
//   - `KEY=value`, `export KEY=value`, spaces around `=`; keys are `[\w.-]+`;
//   - '…', "…" and `…` quotes, which may span lines; CRLF inside a value reads as LF;
//   - unquoted values end at `#` (the rest is a comment) and are trimmed;
//   - inside double quotes `\n` and `\r` are newline and carriage return. We also read `\t`, `\\` and `\"` (as
//     python-dotenv and docker compose do); the writer only emits those when a value cannot be written any other
//     way (it contains both quote kinds and a backslash, or a control character);
//   - lines that are not assignments are ignored; the last assignment of a key wins.

export interface EnvEntry {
  /** Byte range [start, end) of the whole entry in the text, including its line ending(s). */
  start: number;
  end: number;
  /** Present for assignments. */
  key?: string;
  /** Range of the value's source text (quotes included) inside [start, end). */
  valueStart?: number;
  valueEnd?: number;
  /** Decoded value. */
  value?: string;
}

const KEY_AT = /^([ \t]*)(export[ \t]+)?([\w.-]+)[ \t]*=[ \t]*/;
const WRITABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Split `text` into contiguous entries: one per assignment (possibly several lines) or other line. */
export function tokenizeEnv(text: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl === -1 ? text.length : nl; // index of '\n' (or end)
    const nextLine = nl === -1 ? text.length : nl + 1;
    const contentEnd = lineEnd > pos && text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
    const line = text.slice(pos, contentEnd);
    const m = KEY_AT.exec(line);
    if (!m) {
      entries.push({ start: pos, end: nextLine });
      pos = nextLine;
      continue;
    }
    const key = m[3];
    const v = pos + m[0].length; // value start
    const q = text[v];
    if ((q === "'" || q === '"' || q === '`') && v < contentEnd) {
      const close = findClosingQuote(text, v + 1, q);
      if (close !== -1) {
        // After the closing quote only blanks and a comment may follow on that line.
        const afterNl = text.indexOf('\n', close);
        const afterEnd = afterNl === -1 ? text.length : afterNl;
        const afterContentEnd = afterEnd > close && text[afterEnd - 1] === '\r' ? afterEnd - 1 : afterEnd;
        const rest = text.slice(close + 1, afterContentEnd);
        if (/^[ \t]*(#.*)?$/.test(rest)) {
          const inner = text.slice(v + 1, close).replace(/\r\n?/g, '\n');
          entries.push({
            start: pos,
            end: afterNl === -1 ? text.length : afterNl + 1,
            key,
            valueStart: v,
            valueEnd: close + 1,
            value: q === '"' ? unescapeDouble(inner) : inner,
          });
          pos = afterNl === -1 ? text.length : afterNl + 1;
          continue;
        }
      }
    }
    // Unquoted (or an unterminated quote, which dotenv also reads literally): up to '#', trimmed.
    const rawAll = text.slice(v, contentEnd);
    const hash = rawAll.indexOf('#');
    const raw = (hash === -1 ? rawAll : rawAll.slice(0, hash)).replace(/\s+$/, '');
    entries.push({ start: pos, end: nextLine, key, valueStart: v, valueEnd: v + raw.length, value: raw });
    pos = nextLine;
  }
  return entries;
}

function findClosingQuote(text: string, from: number, q: string): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    // In double quotes a backslash escapes any character; elsewhere only the quote itself (dotenv's first choice).
    if (c === '\\' && (q === '"' || text[i + 1] === q)) {
      i++;
      continue;
    }
    if (c === q) return i;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c]!);
}

/** Parse env text: key → value, last assignment wins. */
export function parseEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of tokenizeEnv(text)) if (e.key !== undefined) out.set(e.key, e.value!);
  return out;
}

/** The line ending a file uses: CRLF when its first line break is CRLF, else LF. */
export function detectEol(text: string): '\n' | '\r\n' {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * How a value is written: in the quotes the line already used when that works without escapes (a user's
 * `DATABASE_URL="…"` stays double-quoted); else bare when dotenv readers *and* a shell that sources the file agree
 * on it (no `&`, `;`, spaces…: `set -a; . ./.env` must not cut a URL at its `&`); else the simplest quoting that
 * round-trips (single quotes, then double quotes without escapes, then backticks, then double quotes with escapes).
 */
export function formatEnvValue(value: string, eol: '\n' | '\r\n' = '\n', prefer?: string): string {
  const hasCtl = /[\x00-\x08\x0b-\x1f\x7f]/.test(value); // anything but \t and \n
  const hasBs = value.includes('\\');
  const plain = !hasCtl && !hasBs && !value.includes('\n') && !value.includes('\t');
  if (prefer === '"' && plain && !/["$`]/.test(value)) return `"${value}"`;
  if (prefer === "'" && plain && !value.includes("'")) return `'${value}'`;
  if (/^[A-Za-z0-9_@%+=:,./~^-]*$/.test(value)) return value;
  if (!hasCtl && !hasBs && !value.includes("'")) return `'${value.replace(/\n/g, eol)}'`;
  if (!hasCtl && !hasBs && !value.includes('"') && !value.includes('$') && !value.includes('\t'))
    return `"${value.replace(/\n/g, '\\n')}"`;
  if (!hasCtl && !hasBs && !value.includes('`')) return `\`${value.replace(/\n/g, eol)}\``;
  return `"${value.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!)}"`;
}

export interface SetEnvOptions {
  /** Only add keys that are not assigned yet; existing assignments are left alone (null still removes). */
  onlyMissing?: boolean;
  /** Comment written before appended keys (only when something is appended). Lines without `#` get `# `. */
  header?: string;
}

/**
 * Set, replace or remove keys in env text. A string value replaces the first assignment of the key in place
 * (later duplicate assignments are removed) or is appended at the end; `null` removes every assignment of the key.
 * Every byte that does not belong to a touched assignment is kept.
 */
export function setEnvValues(text: string, values: Record<string, string | null>, opts: SetEnvOptions = {}): string {
  for (const k of Object.keys(values)) {
    if (!WRITABLE_KEY.test(k)) throw new Error(`invalid env variable name: ${JSON.stringify(k)}`);
  }
  const eol = detectEol(text);
  const entries = tokenizeEnv(text);
  const present = new Set(entries.filter((e) => e.key !== undefined).map((e) => e.key!));
  const done = new Set<string>();
  let out = '';
  for (const e of entries) {
    const raw = text.slice(e.start, e.end);
    if (e.key === undefined || !Object.prototype.hasOwnProperty.call(values, e.key)) {
      out += raw;
      continue;
    }
    const v = values[e.key];
    if (v === null) continue;
    if (opts.onlyMissing) {
      out += raw;
      continue;
    }
    if (done.has(e.key)) continue; // a later duplicate: the first assignment now holds the value
    done.add(e.key);
    const quote = text[e.valueStart!];
    out += text.slice(e.start, e.valueStart) + formatEnvValue(v, eol, quote === '"' || quote === "'" ? quote : undefined) + text.slice(e.valueEnd, e.end);
  }
  const missing = Object.entries(values).filter(([k, v]) => v !== null && !present.has(k)) as [string, string][];
  if (missing.length) {
    if (out.length && !out.endsWith('\n')) out += eol;
    if (opts.header) {
      for (const h of opts.header.split(/\r?\n/)) out += (h.startsWith('#') ? h : `# ${h}`.trimEnd()) + eol;
    }
    for (const [k, v] of missing) out += `${k}=${formatEnvValue(v, eol)}${eol}`;
  }
  return out;
}
