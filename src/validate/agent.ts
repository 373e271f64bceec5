// Claude Code drops an invalid agent file, or an invalid field, without telling anyone (reference:
// claude-code.md §1.2). So every agent file we write is checked here first, against the documented types,
// more strictly than Claude Code itself: a file that fails never reaches the disk.
// js-yaml with its YAML 1.2 core schema, not `yaml`: the same answers for frontmatter (duplicate keys and tab
// indentation refused, no merge keys, dates and yes/no stay strings), and it refuses a tag nobody defines where
// `yaml` only warns; bundled it is 44 kB minified against 115 kB, a third of the published CLI's libraries.
import { CORE_SCHEMA, load } from 'js-yaml';

const KNOWN_FIELDS = new Set([
  'name',
  'description',
  'tools',
  'disallowedTools',
  'model',
  'permissionMode',
  'maxTurns',
  'skills',
  'mcpServers',
  'hooks',
  'memory',
  'background',
  'effort',
  'isolation',
  'color',
  'initialPrompt',
]);
const PERMISSION_MODES = ['default', 'acceptEdits', 'auto', 'dontAsk', 'bypassPermissions', 'plan', 'manual'];
const COLORS = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'pink', 'cyan'];
const TOOLS = new Set([
  'Read',
  'Write',
  'Edit',
  'MultiEdit',
  'Bash',
  'Grep',
  'Glob',
  'WebFetch',
  'WebSearch',
  'NotebookEdit',
  'TodoWrite',
  'Agent',
  'Task',
]);

export interface AgentCheck {
  ok: boolean;
  errors: string[];
  frontmatter: Record<string, unknown> | null;
}

export function validateAgentFile(text: string): AgentCheck {
  const errors: string[] = [];
  const m = text.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/);
  if (!m) return { ok: false, errors: ['no YAML frontmatter between --- lines at the top'], frontmatter: null };
  let fm: unknown;
  try {
    fm = load(m[1], { schema: CORE_SCHEMA });
  } catch (e) {
    return {
      ok: false,
      errors: [`frontmatter is not valid YAML: ${(e as Error).message.split('\n')[0]}`],
      frontmatter: null,
    };
  }
  if (!fm || typeof fm !== 'object' || Array.isArray(fm)) {
    return { ok: false, errors: ['frontmatter must be a YAML mapping'], frontmatter: null };
  }
  const f = fm as Record<string, unknown>;
  for (const k of Object.keys(f))
    if (!KNOWN_FIELDS.has(k)) errors.push(`unknown field "${k}" (Claude Code ignores it)`);
  if (typeof f.name !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(f.name)) {
    errors.push('name must be lowercase letters, digits and hyphens, starting with a letter (at most 64 characters)');
  }
  if (typeof f.description !== 'string' || !f.description.trim()) errors.push('description must be a non-empty string');
  if (f.tools !== undefined) {
    const list =
      typeof f.tools === 'string' ? f.tools.split(/[\s,]+/).filter(Boolean) : Array.isArray(f.tools) ? f.tools : null;
    if (!list || list.some((t) => typeof t !== 'string'))
      errors.push('tools must be a comma-separated string or a list of strings');
    else {
      if (list.length === 0) errors.push('tools is empty: the agent could do nothing');
      for (const t of list as string[]) if (!TOOLS.has(t) && !t.startsWith('mcp__')) errors.push(`unknown tool "${t}"`);
    }
  }
  if (f.permissionMode !== undefined && !PERMISSION_MODES.includes(f.permissionMode as string)) {
    errors.push(`permissionMode must be one of ${PERMISSION_MODES.join(', ')}`);
  }
  if (f.isolation !== undefined && f.isolation !== 'worktree') errors.push('isolation must be "worktree"');
  if (f.background !== undefined && typeof f.background !== 'boolean') errors.push('background must be true or false');
  if (f.color !== undefined && !COLORS.includes(f.color as string))
    errors.push(`color must be one of ${COLORS.join(', ')}`);
  if (!m[2].trim()) errors.push("the body (the agent's instructions) is empty");
  return { ok: errors.length === 0, errors, frontmatter: f };
}
