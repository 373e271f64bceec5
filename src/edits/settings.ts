// .claude/settings.json is the user's file: we change only our two hook entries, through jsonc-parser's
// edit API, which keeps their formatting, key order and other hooks byte for byte.
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { FailureError } from '../errors.ts';

export const OUR_MARKER = 'neon-worktree.mjs';

export interface HookCommand {
  type: 'command';
  command: string;
  timeout?: number;
}
interface MatcherGroup {
  matcher?: string;
  hooks?: HookCommand[];
}
interface Settings {
  hooks?: Record<string, MatcherGroup[] | undefined>;
  [k: string]: unknown;
}

export function parseSettings(text: string, file = '.claude/settings.json'): Settings {
  const errors: ParseError[] = [];
  const data = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const e = errors[0];
    const line = text.slice(0, e.offset).split('\n').length;
    throw new FailureError(
      `${file} is not valid JSON (${printParseErrorCode(e.error)} at line ${line}); fix it, then run create-neon-agents again`,
    );
  }
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    throw new FailureError(`${file} must hold a JSON object; fix it, then run create-neon-agents again`);
  }
  return (data ?? {}) as Settings;
}

function isOurs(group: MatcherGroup): boolean {
  return (group.hooks ?? []).some((h) => typeof h.command === 'string' && h.command.includes(OUR_MARKER));
}

/** A WorktreeCreate hook that is not ours: Claude would run two creators, so we must not add a second. */
export function foreignWorktreeCreate(settings: Settings): string | null {
  const groups = settings.hooks?.WorktreeCreate ?? [];
  for (const g of groups) {
    if (!isOurs(g)) for (const h of g.hooks ?? []) return h.command ?? h.type ?? 'a hook';
  }
  return null;
}

export interface SettingsEdit {
  content: string;
  /** Our entries as JSON (for the manifest). */
  owned: string;
}

/**
 * Ensure `hooks.<event>` holds exactly one group of ours with `hook`, replacing an older group of ours in place.
 */
export function upsertHooks(text: string | null, wanted: Record<string, HookCommand>): SettingsEdit {
  const created = text === null || !text.trim();
  let content = created ? '{}\n' : text!;
  for (const [event, hook] of Object.entries(wanted)) {
    const settings = parseSettings(content);
    const groups = settings.hooks?.[event] ?? [];
    const ourGroup: MatcherGroup = { hooks: [hook] };
    const idx = groups.findIndex(isOurs);
    if (idx >= 0 && JSON.stringify(groups[idx]) === JSON.stringify(ourGroup)) continue;
    const root = parseTree(content)!;
    if (!settings.hooks) content = insertProperty(content, root, 'hooks', { [event]: [ourGroup] });
    else if (!settings.hooks[event])
      content = insertProperty(content, findNodeAtLocation(root, ['hooks'])!, event, [ourGroup]);
    else if (idx >= 0) content = replaceNode(content, findNodeAtLocation(root, ['hooks', event, idx])!, ourGroup);
    else content = appendElement(content, findNodeAtLocation(root, ['hooks', event])!, ourGroup);
  }
  return { content, owned: JSON.stringify(wanted) };
}

// Text-level insertions: jsonc-parser's own formatter re-prints the neighbouring property, which would reformat
// the user's hooks. These insert exactly our text, indented like its surroundings.
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}
function unitOf(text: string): string {
  const m = text.match(/^([ \t]+)\S/m);
  return m ? m[1] : '  ';
}
function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}
function stringify(value: unknown, indent: string, unit: string, eol: string): string {
  return JSON.stringify(value, null, unit)
    .split('\n')
    .join(eol + indent);
}

function insertProperty(text: string, obj: Node, key: string, value: unknown): string {
  const unit = unitOf(text);
  const eol = eolOf(text);
  const children = obj.children ?? [];
  if (children.length) {
    const last = children[children.length - 1];
    const indent = lineIndent(text, last.offset);
    const at = last.offset + last.length;
    return (
      text.slice(0, at) +
      `,${eol}${indent}${JSON.stringify(key)}: ${stringify(value, indent, unit, eol)}` +
      text.slice(at)
    );
  }
  const closeIndent = lineIndent(text, obj.offset + obj.length - 1);
  const indent = closeIndent + unit;
  const at = obj.offset + 1;
  const inner = text.slice(at, obj.offset + obj.length - 1);
  return (
    text.slice(0, at) +
    `${eol}${indent}${JSON.stringify(key)}: ${stringify(value, indent, unit, eol)}${eol}${closeIndent}` +
    text.slice(at + inner.length)
  );
}

function appendElement(text: string, arr: Node, value: unknown): string {
  const unit = unitOf(text);
  const eol = eolOf(text);
  const children = arr.children ?? [];
  if (!children.length) {
    const closeIndent = lineIndent(text, arr.offset);
    const indent = closeIndent + unit;
    return (
      text.slice(0, arr.offset) +
      `[${eol}${indent}${stringify(value, indent, unit, eol)}${eol}${closeIndent}]` +
      text.slice(arr.offset + arr.length)
    );
  }
  const last = children[children.length - 1];
  const indent = lineIndent(text, last.offset);
  const at = last.offset + last.length;
  return text.slice(0, at) + `,${eol}${indent}${stringify(value, indent, unit, eol)}` + text.slice(at);
}

function replaceNode(text: string, node: Node, value: unknown): string {
  const indent = lineIndent(text, node.offset);
  return (
    text.slice(0, node.offset) +
    stringify(value, indent, unitOf(text), eolOf(text)) +
    text.slice(node.offset + node.length)
  );
}

/** Remove our groups (for uninstall), as text: the exact inverse of upsertHooks' insertions. */
export function removeOurHooks(text: string, events: string[]): string {
  let content = text;
  for (const event of events) {
    for (;;) {
      const settings = parseSettings(content);
      const groups = settings.hooks?.[event] ?? [];
      const idx = groups.findIndex(isOurs);
      if (idx < 0) break;
      const root = parseTree(content)!;
      const node =
        groups.length === 1
          ? findNodeAtLocation(root, ['hooks', event])!.parent!
          : findNodeAtLocation(root, ['hooks', event, idx])!;
      content = removeNodeText(content, node);
    }
  }
  const after = parseSettings(content);
  if (after.hooks && Object.keys(after.hooks).length === 0) {
    content = removeNodeText(content, findNodeAtLocation(parseTree(content)!, ['hooks'])!.parent!);
  }
  return content;
}

/** Cut a member (property or array element) with its separating comma, leaving its neighbours' bytes alone. */
function removeNodeText(text: string, node: Node): string {
  let start = node.offset;
  let end = node.offset + node.length;
  const before = /,\s*$/.exec(text.slice(0, start));
  if (before) start = before.index;
  else {
    const after = /^\s*,\s*/.exec(text.slice(end));
    if (after) end += after[0].length;
    else {
      // The only member: take the whitespace around it too, so `{ … }` goes back to `{}`.
      start -= /\s*$/.exec(text.slice(0, start))![0].length;
      end += /^\s*/.exec(text.slice(end))![0].length;
    }
  }
  return text.slice(0, start) + text.slice(end);
}

/** The list at `permissions.deny` (strings only; anything else there is the user's business). */
function denyList(settings: Settings): unknown[] {
  const permissions = settings.permissions as { deny?: unknown } | undefined;
  return Array.isArray(permissions?.deny) ? permissions.deny : [];
}

/**
 * Ensure `permissions.deny` holds the rules `wanted`, and none of our earlier ones (`previous`) that are no longer
 * wanted; every other rule and byte stays. For `.claude/settings.local.json`, which Claude Code itself also writes.
 */
export function upsertDenyRules(text: string | null, wanted: string[], previous: string[], file: string): SettingsEdit {
  let content = text === null || !text.trim() ? '{}\n' : text;
  const settings = parseSettings(content, file);
  const permissions = settings.permissions;
  if (
    permissions !== undefined &&
    (typeof permissions !== 'object' || permissions === null || Array.isArray(permissions))
  )
    throw new FailureError(`${file}: "permissions" must be an object; fix it, then run create-neon-agents again`);
  if (
    (permissions as { deny?: unknown } | undefined)?.deny !== undefined &&
    !Array.isArray((permissions as { deny?: unknown }).deny)
  )
    throw new FailureError(`${file}: "permissions.deny" must be a list; fix it, then run create-neon-agents again`);
  content = removeDenyElements(
    content,
    previous.filter((r) => !wanted.includes(r)),
    file,
  );
  for (const rule of wanted) {
    const now = parseSettings(content, file);
    if (denyList(now).includes(rule)) continue;
    const root = parseTree(content)!;
    const perms = findNodeAtLocation(root, ['permissions']);
    const deny = findNodeAtLocation(root, ['permissions', 'deny']);
    if (!perms) content = insertProperty(content, root, 'permissions', { deny: [rule] });
    else if (!deny) content = insertProperty(content, perms, 'deny', [rule]);
    else content = appendElement(content, deny, rule);
  }
  return { content, owned: JSON.stringify(wanted) };
}

/** Cut these rules out of `permissions.deny` (one by one, as text). */
function removeDenyElements(text: string, rules: string[], file: string): string {
  let content = text;
  for (const rule of rules) {
    for (;;) {
      const list = denyList(parseSettings(content, file));
      const idx = list.indexOf(rule);
      if (idx < 0) break;
      const root = parseTree(content)!;
      content = removeNodeText(content, findNodeAtLocation(root, ['permissions', 'deny', idx])!);
    }
  }
  return content;
}

/** Uninstall: our deny rules out, then an emptied `deny` and `permissions` we leave behind too. */
export function removeDenyRules(text: string, ours: string[], file: string): string {
  let content = removeDenyElements(text, ours, file);
  const after = parseSettings(content, file);
  const permissions = after.permissions as Record<string, unknown> | undefined;
  if (!ours.length || !permissions || !Array.isArray(permissions.deny)) return content;
  if (permissions.deny.length === 0) {
    content = removeNodeText(content, findNodeAtLocation(parseTree(content)!, ['permissions', 'deny'])!.parent!);
    if (Object.keys(parseSettings(content, file).permissions as object).length === 0)
      content = removeNodeText(content, findNodeAtLocation(parseTree(content)!, ['permissions'])!.parent!);
  }
  return content;
}
