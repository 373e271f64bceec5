// The masking rules of anonymized agent branches (`agentData: "anonymized"`): a committed file the wizard creates
// and the user edits, read by the runtime on every new agent branch and sent to Neon as they are. The shape is
// Neon's own `MaskingRule` (POST /projects/{id}/branch_anonymized, `masking_rules`), so a rule copied from Neon's
// docs or from `neondatabase/create-branch-action`'s `masking_rules` input works here unchanged.
//
// Reading is strict on purpose: the runtime fails closed on any doubt (an unreadable file, a rule it cannot send,
// no rule at all), because an anonymized setup that quietly hands out an unmasked copy is worse than no database.

export const MASKING_RULES_PATH = '.claude/neon-masking-rules.json';
export const MASKING_DOCS = 'https://neon.com/docs/workflows/data-anonymization';

export interface MaskingRule {
  database_name: string;
  schema_name: string;
  table_name: string;
  column_name: string;
  /** A PostgreSQL Anonymizer expression, e.g. `anon.dummy_free_email()`. Exclusive with masking_value. */
  masking_function?: string;
  /** A literal SQL value, e.g. `'CONFIDENTIAL'` or `NULL`. Exclusive with masking_function. */
  masking_value?: string;
}

export class MaskingRulesError extends Error {
  override name = 'MaskingRulesError';
}

const NAME_FIELDS = ['database_name', 'schema_name', 'table_name', 'column_name'] as const;
const KNOWN_FIELDS = new Set<string>([...NAME_FIELDS, 'masking_function', 'masking_value']);

/** The rules of a rules file's text; throws a MaskingRulesError that names the rule and the fix. */
export function parseMaskingRules(text: string, file = MASKING_RULES_PATH): MaskingRule[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new MaskingRulesError(
      `${file} is not valid JSON (${(e as Error).message}): fix it or delete it and re-run create-neon-agents`,
    );
  }
  const list = (data as { masking_rules?: unknown } | null)?.masking_rules;
  if (!data || typeof data !== 'object' || Array.isArray(data) || !Array.isArray(list))
    throw new MaskingRulesError(`${file} must be an object with a "masking_rules" list (see ${MASKING_DOCS})`);
  const seen = new Set<string>();
  return list.map((r, i) => {
    const at = `${file}: rule ${i + 1}`;
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new MaskingRulesError(`${at} is not an object`);
    const rule = r as Record<string, unknown>;
    for (const k of NAME_FIELDS)
      if (typeof rule[k] !== 'string' || !(rule[k] as string).trim())
        throw new MaskingRulesError(`${at} needs "${k}" (a non-empty string)`);
    const fn = rule.masking_function;
    const value = rule.masking_value;
    if ((fn === undefined) === (value === undefined))
      throw new MaskingRulesError(
        `${at} (${ruleColumn(rule as unknown as MaskingRule)}) needs exactly one of "masking_function" (e.g. "anon.dummy_free_email()") and "masking_value" (e.g. "'CONFIDENTIAL'")`,
      );
    if (
      (fn !== undefined && (typeof fn !== 'string' || !fn.trim())) ||
      (value !== undefined && typeof value !== 'string')
    )
      throw new MaskingRulesError(`${at}: "masking_function" / "masking_value" must be a string`);
    const unknown = Object.keys(rule).filter((k) => !KNOWN_FIELDS.has(k));
    if (unknown.length)
      throw new MaskingRulesError(
        `${at} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`,
      );
    const out: MaskingRule = {
      database_name: rule.database_name as string,
      schema_name: rule.schema_name as string,
      table_name: rule.table_name as string,
      column_name: rule.column_name as string,
      ...(fn !== undefined ? { masking_function: fn as string } : { masking_value: value as string }),
    };
    const key = ruleColumn(out);
    if (seen.has(key)) throw new MaskingRulesError(`${at} masks ${key} a second time: keep one rule per column`);
    seen.add(key);
    return out;
  });
}

/** `neondb.public.users.email`: the column a rule masks. */
export function ruleColumn(r: Pick<MaskingRule, (typeof NAME_FIELDS)[number]>): string {
  return `${r.database_name}.${r.schema_name}.${r.table_name}.${r.column_name}`;
}

/** The file's text for these rules: a note for the reader, then Neon's `masking_rules`. */
export function renderMaskingRules(rules: MaskingRule[]): string {
  const doc = {
    $comment: `Masking rules for anonymized agent branches (create-neon-agents, agentData "anonymized"): each new agent branch is a copy of the parent with these columns masked, and a worktree gets no database until Neon has applied all of them. masking_function is a PostgreSQL Anonymizer expression, masking_value a literal SQL value. Foreign-key columns cannot be masked: mask the key they reference. Add a rule for every column that holds personal data. ${MASKING_DOCS}`,
    masking_rules: rules,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
