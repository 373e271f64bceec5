// A small JSON Schema (draft 2020-12) validator for exactly the keywords schema/summary.schema.json uses. Any other
// keyword is an error, so the schema cannot quietly rely on something this validator ignores.
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'examples', '$defs']);
const KEYWORDS = new Set([
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minLength',
  'pattern',
  'minimum',
  'maximum',
  'oneOf',
  '$ref',
]);

const typeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'integer'
          : 'number'
        : typeof v;

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Errors as "path: message"; empty when `value` is valid. */
export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    const m = /^#\/\$defs\/([\w-]+)$/.exec(ref);
    const target = m ? (root.$defs as Record<string, Schema> | undefined)?.[m[1]!] : undefined;
    if (!target) throw new Error(`unsupported or dangling $ref ${ref}`);
    return target;
  };
  const check = (s: Schema, v: unknown, at: string, out: string[]): void => {
    for (const k of Object.keys(s)) {
      if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k))
        throw new Error(`${at}: keyword "${k}" is not supported by this validator`);
    }
    if (s.$ref) check(resolve(s.$ref as string), v, at, out);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeMatches(v, t))) {
        out.push(`${at}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
        return;
      }
    }
    if ('const' in s && !deepEqual(v, s.const)) out.push(`${at}: expected ${JSON.stringify(s.const)}`);
    if (s.enum && !(s.enum as unknown[]).some((e) => deepEqual(e, v)))
      out.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    if (typeof v === 'string') {
      if (typeof s.minLength === 'number' && [...v].length < s.minLength)
        out.push(`${at}: shorter than ${s.minLength}`);
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v))
        out.push(`${at}: ${JSON.stringify(v)} does not match /${s.pattern}/`);
    }
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) out.push(`${at}: less than ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) out.push(`${at}: more than ${s.maximum}`);
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(`${at}: fewer than ${s.minItems} items`);
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) out.push(`${at}: more than ${s.maxItems} items`);
      if (s.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length)
        out.push(`${at}: items are not unique`);
      if (s.items) for (const [i, x] of v.entries()) check(s.items as Schema, x, `${at}[${i}]`, out);
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const r of (s.required ?? []) as string[]) if (!(r in o)) out.push(`${at}: missing required "${r}"`);
      for (const [k, x] of Object.entries(o)) {
        if (props[k]) check(props[k]!, x, `${at}.${k}`, out);
        else if (s.additionalProperties === false) out.push(`${at}: unexpected property "${k}"`);
        else if (s.additionalProperties && typeof s.additionalProperties === 'object')
          check(s.additionalProperties as Schema, x, `${at}.${k}`, out);
      }
    }
    if (s.oneOf) {
      const results = (s.oneOf as Schema[]).map((sub) => {
        const e: string[] = [];
        check(sub, v, at, e);
        return e;
      });
      const passing = results.filter((e) => e.length === 0).length;
      if (passing !== 1) {
        out.push(
          passing === 0
            ? `${at}: matches none of oneOf (${results.map((e, i) => `#${i}: ${e[0]}`).join('; ')})`
            : `${at}: matches ${passing} branches of oneOf, expected exactly 1`,
        );
      }
    }
  };
  check(root, value, '$', errors);
  return errors;
}
