// Deny rules in the main checkout's `.claude/settings.local.json` (this clone's own Claude Code settings, never
// committed): Claude Code's file tools may not read the files that hold the Neon API key, named by absolute path
// (`Read(//abs)`, src/shared/key-store.ts). Claude Code applies the main checkout's local settings in its worktrees
// too (those under .claude/worktrees/ and elsewhere, checked with Claude Code 2.1.330; test/e2e/claude-deny.test.ts),
// while a worktree's own `/.env` rule would name the worktree's copy. A rule stops the Read tool and shell commands
// that name the file, not one that reaches it by a glob: the user credentials file outside the repo is the real
// protection, these rules the second line. Only our rules are ours: Claude Code writes its own "always allow" answers into the same file.
import path from 'node:path';
import { LOCAL_SETTINGS_PATH, readDenyRule } from '../shared/key-store.ts';
import { parseSettings, removeDenyRules, upsertDenyRules } from '../edits/settings.ts';
import { editedFile, remove, rewrite, type PlanInput, type Unit } from './engine.ts';
import { keyLocation } from './key-location.ts';

/**
 * Every rule this tool may have written here: one per file that can hold the key (the main checkout's env file, the
 * user credentials file). Derived, not recorded: the rules name absolute paths of this clone, and the committed
 * manifest must read the same in every clone.
 */
function possibleRules(input: { repo: { mainRoot: string }; userCredentialsFile: string }, envFile: string): string[] {
  return [path.join(input.repo.mainRoot, envFile), input.userCredentialsFile]
    .map(readDenyRule)
    .filter((r): r is string => r !== null);
}

/** The rules this plan wants: one per file that will hold the key (none with the Neon CLI login). */
export function denyRules(input: PlanInput): { wanted: string[]; warnings: string[] } {
  const { userFile, envFile } = keyLocation(input);
  const holders = [envFile.after !== null ? envFile.abs : null, userFile.after !== null ? userFile.abs : null].filter(
    (f): f is string => f !== null,
  );
  const rules = holders.map(readDenyRule);
  const warnings = holders
    .filter((_, i) => rules[i] === null)
    .map(
      (f) =>
        `${f} has characters Claude Code reads as a pattern, so no rule denies its file tools the API key there: keep the key at a plain path (--key-store user).`,
    );
  return { wanted: rules.filter((r): r is string => r !== null), warnings };
}

export const claudeLocalSettings: Unit = {
  id: 'claude-local-settings',
  claims: () => false, // not recorded in the manifest (see possibleRules)

  plan(input) {
    const { wanted, warnings } = denyRules(input);
    const abs = path.join(input.repo.mainRoot, LOCAL_SETTINGS_PATH);
    const text = input.files.read(abs);
    if (!wanted.length && text === null) return { ops: [], warnings };
    const edit = upsertDenyRules(text, wanted, possibleRules(input, input.answers.envFile), LOCAL_SETTINGS_PATH);
    if (edit.content === (text ?? '')) return { ops: [], warnings };
    const op = editedFile(input, abs, LOCAL_SETTINGS_PATH, edit.content, edit.owned, 'json', undefined, {
      unrecorded: true,
    });
    return { ops: [op], warnings };
  },

  remove(input) {
    const abs = path.join(input.repo.mainRoot, LOCAL_SETTINGS_PATH);
    const text = input.files.read(abs);
    if (text === null) return { ops: [] };
    let next: string;
    try {
      next = removeDenyRules(text, possibleRules(input, input.manifest.answers.envFile), LOCAL_SETTINGS_PATH);
    } catch {
      return { ops: [], notes: [`Left ${LOCAL_SETTINGS_PATH} alone: it is not valid JSON.`] };
    }
    if (next === text) return { ops: [] };
    // Nothing left but an empty object: the file was ours alone.
    if (JSON.stringify(parseSettings(next, LOCAL_SETTINGS_PATH)) === '{}')
      return { ops: [remove(abs, LOCAL_SETTINGS_PATH, text, 'held only our deny rules')] };
    return { ops: [rewrite(abs, LOCAL_SETTINGS_PATH, text, next, 'removed our deny rules; your settings are kept')] };
  },

  // doctor's key report says whether an agent could read the key (commands/doctor.ts).
  check: () => [],
};
