import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { upsertHooks, removeOurHooks, parseSettings, foreignWorktreeCreate } from '../../src/edits/settings.ts';

const wanted = {
  WorktreeCreate: {
    type: 'command' as const,
    command: 'node "$CLAUDE_PROJECT_DIR/.claude/hooks/neon-worktree.mjs" worktree-create',
    timeout: 120,
  },
  WorktreeRemove: {
    type: 'command' as const,
    command: 'node "$CLAUDE_PROJECT_DIR/.claude/hooks/neon-worktree.mjs" worktree-remove',
    timeout: 60,
  },
};

describe('.claude/settings.json editing', () => {
  const samples = [
    '{}\n',
    '{\n  "model": "opus"\n}\n',
    '{\n\t"hooks": {\n\t\t"PostToolUse": [ { "matcher": "Edit", "hooks": [ { "type": "command", "command": "x" } ] } ]\n\t}\n}\n',
    '{\r\n  // comment\r\n  "hooks": { "WorktreeRemove": [ { "hooks": [ { "type": "command", "command": "./cleanup.sh" } ] } ] },\r\n  "env": { "A": "1" }\r\n}\r\n',
    '{"permissions":{"allow":["Bash(ls)"]}}',
  ];
  it.each(samples)('adds our hooks, keeps the rest, and removes them back to the same bytes: %j', (text) => {
    const { content } = upsertHooks(text, wanted);
    const s = parseSettings(content);
    expect(s.hooks?.WorktreeCreate?.some((g) => g.hooks?.[0]?.command === wanted.WorktreeCreate.command)).toBe(true);
    expect(s.hooks?.WorktreeRemove?.some((g) => g.hooks?.[0]?.command === wanted.WorktreeRemove.command)).toBe(true);
    // Idempotent.
    expect(upsertHooks(content, wanted).content).toBe(content);
    // Exactly reversible.
    expect(removeOurHooks(content, ['WorktreeCreate', 'WorktreeRemove'])).toBe(text);
  });

  it('property: for any settings object, other keys are untouched and removal restores the text', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const obj = fc.dictionary(
      fc.string({ minLength: 1 }).filter((k) => k !== 'hooks' && k !== '__proto__'),
      value,
      { maxKeys: 5 },
    );
    fc.assert(
      fc.property(obj, fc.integer({ min: 0, max: 4 }), (o, indent) => {
        const text = JSON.stringify(o, null, indent || undefined) + '\n';
        const { content } = upsertHooks(text, wanted);
        const parsed = parseSettings(content) as Record<string, unknown>;
        for (const [k, v] of Object.entries(o)) expect(parsed[k]).toEqual(v);
        expect(removeOurHooks(content, ['WorktreeCreate', 'WorktreeRemove'])).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it("recognises another tool's WorktreeCreate hook", () => {
    expect(
      foreignWorktreeCreate(
        parseSettings('{"hooks":{"WorktreeCreate":[{"hooks":[{"type":"command","command":"wt.sh"}]}]}}'),
      ),
    ).toBe('wt.sh');
    expect(foreignWorktreeCreate(parseSettings(upsertHooks('{}', wanted).content))).toBeNull();
  });

  it('rejects invalid JSON with the line', () => {
    expect(() => parseSettings('{\n  "a": 1,\n  oops\n}')).toThrow(/not valid JSON \(.* at line 3\)/);
    expect(() => parseSettings('[1]')).toThrow(/must hold a JSON object/);
  });
});
