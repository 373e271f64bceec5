// `.claude/neon-masking-rules.json`: the masking rules of anonymized agent branches (agentData "anonymized"). We write
// it once, with the rules proposed from the parent branch's schema (src/answers/masking-proposals.ts); from then on it
// is the user's to edit and commit, and a re-run never rewrites it — it only says what is wrong with it, because the
// runtime refuses to make any agent branch while the file is missing, unreadable or empty (fail closed).
import path from 'node:path';
import { MASKING_DOCS, MASKING_RULES_PATH, parseMaskingRules, renderMaskingRules } from '../shared/masking.ts';
import type { WriteOp } from '../plan/ops.ts';
import { keep, remove, type Finding, type Unit } from './engine.ts';

/** What keeps the runtime from using the file's text, or null when it can. */
function problemWith(text: string): string | null {
  try {
    const rules = parseMaskingRules(text);
    return rules.length
      ? null
      : `${MASKING_RULES_PATH} has no masking rules yet, so no worktree gets a database (the runtime never hands out an unmasked copy): add a rule for each column with personal data (${MASKING_DOCS})`;
  } catch (e) {
    return `${(e as Error).message}; until then no worktree gets a database`;
  }
}

export const maskingRules: Unit = {
  id: 'masking-rules',
  claims: (key) => key === MASKING_RULES_PATH,

  plan(input) {
    if (input.answers.agentData !== 'anonymized') return { ops: [] };
    const abs = path.join(input.repo.root, MASKING_RULES_PATH);
    const previous = input.files.read(abs);
    const entry = input.manifest?.files[MASKING_RULES_PATH];
    const op = (o: Pick<WriteOp, 'action' | 'reason' | 'content' | 'owned'>): WriteOp => ({
      type: 'write',
      path: abs,
      display: MASKING_RULES_PATH,
      previous,
      mode: 0o644,
      managed: 'file',
      ...o,
    });
    if (previous !== null) {
      const problem = problemWith(previous);
      // A file the user wrote is not recorded as ours (uninstall leaves it); ours keeps its first render as base.
      const ops = entry
        ? [op({ action: 'unchanged', reason: 'yours to edit; kept', content: previous, owned: entry.base ?? previous })]
        : [];
      return { ops, warnings: problem ? [problem] : [] };
    }
    const proposed = input.maskingProposals ?? [];
    const content = renderMaskingRules(proposed);
    const reason = proposed.length
      ? `${entry ? 'restored' : 'new'}: ${proposed.length} rule${proposed.length === 1 ? '' : 's'} proposed from the parent branch's schema; review and commit it`
      : `${entry ? 'restored' : 'new'}, with no rules yet: add them before agents start`;
    return {
      ops: [op({ action: 'create', reason, content, owned: content })],
      warnings: proposed.length ? [] : [problemWith(content)!],
    };
  },

  remove(input) {
    const entry = input.manifest.files[MASKING_RULES_PATH];
    const abs = path.join(input.repo.root, MASKING_RULES_PATH);
    const text = input.files.read(abs);
    if (!entry || text === null) return { ops: [] };
    if (text === entry.base || input.force)
      return { ops: [remove(abs, MASKING_RULES_PATH, text, 'written by create-neon-agents')] };
    return { ops: [keep(abs, MASKING_RULES_PATH, text, 'your masking rules; kept (--force removes it)')] };
  },

  check(input) {
    if (input.manifest.answers.agentData !== 'anonymized') return [];
    const finding = (level: Finding['level'], message: string, fix?: string): Finding[] => [
      { check: 'masking-rules', level, message, ...(fix ? { fix } : {}) },
    ];
    const text = input.files.read(path.join(input.repo.root, MASKING_RULES_PATH));
    if (text === null)
      return finding(
        'problem',
        `agent data is "anonymized" but ${MASKING_RULES_PATH} is missing: no worktree gets a database`,
        `run ${input.rerun('--yes')} (it proposes rules from your schema), or ${input.rerun('--agent-data full --yes')}`,
      );
    const problem = problemWith(text);
    if (problem) return finding('problem', problem, `edit ${MASKING_RULES_PATH}`);
    const n = parseMaskingRules(text).length;
    return finding(
      'ok',
      `agent branches are anonymized: ${n} masking rule${n === 1 ? '' : 's'} in ${MASKING_RULES_PATH}`,
    );
  },
};
