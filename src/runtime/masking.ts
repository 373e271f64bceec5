// The masking rules an anonymized agent branch is made with (agentData "anonymized"): the committed rules file,
// read from the main checkout first. The worktree is the agent's to edit, so a rule an agent deletes there does not
// unmask its next branch; the worktree's own copy counts only where the main checkout has none (a clone whose main
// checkout is not set up yet). Any doubt fails closed: an agent never receives an unmasked branch by accident.
import path from 'node:path';
import {
  MASKING_DOCS,
  MASKING_RULES_PATH,
  MaskingRulesError,
  parseMaskingRules,
  type MaskingRule,
} from '../shared/masking.ts';
import type { RuntimeContext } from './context.ts';
import { readIfExists, RuntimeError } from './util.ts';

export function loadMaskingRules(ctx: RuntimeContext): MaskingRule[] {
  for (const root of [...new Set([ctx.mainRoot(), ctx.checkout().root])]) {
    const text = readIfExists(path.join(root, MASKING_RULES_PATH));
    if (text === null) continue;
    let rules: MaskingRule[];
    try {
      rules = parseMaskingRules(text, path.join(root, MASKING_RULES_PATH));
    } catch (e) {
      if (e instanceof MaskingRulesError) throw new RuntimeError(e.message, 'masking');
      throw e;
    }
    if (!rules.length)
      throw new RuntimeError(
        `agent data is "anonymized" but ${MASKING_RULES_PATH} has no rules, so a branch would hold every personal value of its parent: add a rule for each column with personal data (${MASKING_DOCS}), or set agentData to "full" (re-run create-neon-agents --agent-data full)`,
        'masking',
      );
    return rules;
  }
  throw new RuntimeError(
    `agent data is "anonymized" but ${MASKING_RULES_PATH} is missing: re-run create-neon-agents in the main checkout (it writes the file, with rules proposed from your schema), or set agentData to "full"`,
    'masking',
  );
}
