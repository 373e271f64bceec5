// Claude Code's WorktreeCreate/WorktreeRemove hooks (and SessionStart, for the desktop app) in
// `.claude/settings.json`: hook entries we own inside the user's settings (edited at the text level, so every other byte stays). Claude Code runs its own git commands with
// git hooks disabled, so for its worktrees these hooks are the only way in.
import path from 'node:path';
import { RUNTIME_PATH } from '../shared/manifest.ts';
import { CLAUDE_HOOKS } from '../shared/claude-hooks.ts';
import { upsertHooks, parseSettings, foreignWorktreeCreate, removeOurHooks, OUR_MARKER } from '../edits/settings.ts';
import { editedFile, remove, rewrite, type Finding, type Unit } from './engine.ts';

export const SETTINGS_PATH = '.claude/settings.json';
const EVENTS = Object.keys(CLAUDE_HOOKS);
/** Without these the CLI's worktrees get no branch; without SessionStart only the desktop app's may not. */
const REQUIRED = ['WorktreeCreate', 'WorktreeRemove'];

export const claudeSettings: Unit = {
  id: 'claude-settings',
  claims: (key) => key === SETTINGS_PATH,

  plan(input) {
    if (!input.answers.claudeHooks || !input.answers.tools.includes('claude')) return { ops: [] };
    const abs = path.join(input.repo.root, SETTINGS_PATH);
    const text = input.files.read(abs);
    const foreign = text ? foreignWorktreeCreate(parseSettings(text)) : null;
    if (foreign) {
      return {
        ops: [],
        warnings: [
          `.claude/settings.json already has a WorktreeCreate hook (${foreign}); Claude Code would run two worktree creators, so ours was not added. Call \`node .claude/hooks/neon-worktree.mjs ensure\` at the end of that hook (run inside the new worktree) to give its worktrees a Neon branch.`,
        ],
      };
    }
    const edit = upsertHooks(text, { ...CLAUDE_HOOKS });
    return { ops: [editedFile(input, abs, SETTINGS_PATH, edit.content, edit.owned, 'json')] };
  },

  remove(input) {
    const abs = path.join(input.repo.root, SETTINGS_PATH);
    const text = input.files.read(abs);
    const entry = input.manifest.files[SETTINGS_PATH];
    if (text === null || !entry) return { ops: [] };
    const next = removeOurHooks(text, EVENTS);
    const empty = JSON.stringify(parseSettings(next)) === '{}';
    if (empty && entry.created) return { ops: [remove(abs, SETTINGS_PATH, text, 'held only our hooks')] };
    if (next !== text)
      return { ops: [rewrite(abs, SETTINGS_PATH, text, next, 'removed our hooks; your settings are kept')] };
    return { ops: [] };
  },

  check(input) {
    if (!input.manifest.answers.claudeHooks || !(input.manifest.answers.tools ?? ['claude']).includes('claude'))
      return [];
    const finding = (level: Finding['level'], message: string, fix?: string): Finding[] => [
      { check: 'claude-hooks', level, message, ...(fix ? { fix } : {}) },
    ];
    const text = input.files.read(path.join(input.repo.root, SETTINGS_PATH));
    if (text === null) return finding('problem', '.claude/settings.json is missing', `run ${input.rerun('--yes')}`);
    let settings: ReturnType<typeof parseSettings>;
    try {
      settings = parseSettings(text);
    } catch (e) {
      return finding(
        'problem',
        (e as Error).message,
        'fix the JSON (Claude Code ignores the whole file while it is invalid)',
      );
    }
    const has = (event: string) =>
      (settings.hooks?.[event] ?? []).some((g) => (g.hooks ?? []).some((h) => h.command?.includes(OUR_MARKER)));
    const missing = EVENTS.filter((event) => !has(event));
    const foreign = foreignWorktreeCreate(settings);
    if (missing.length && foreign)
      return finding(
        'warn',
        `.claude/settings.json has another tool's WorktreeCreate hook (${foreign}), so ours is not installed`,
        `have that hook run \`node ${RUNTIME_PATH} ensure\` inside each worktree it creates`,
      );
    if (missing.some((event) => REQUIRED.includes(event)))
      return finding(
        'problem',
        `.claude/settings.json lacks our ${missing.join(' and ')} hook`,
        `run ${input.rerun('--yes')}`,
      );
    if (missing.length)
      return finding(
        'warn',
        ".claude/settings.json lacks our SessionStart hook: Claude Code desktop's worktrees may get no Neon branch of their own",
        `run ${input.rerun('--yes')}`,
      );
    return finding('ok', 'WorktreeCreate, WorktreeRemove and SessionStart hooks call the runtime');
  },
};
