import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { neonBranchName, validateWorktreeName, worktreeBranchName, worktreeDirName } from '../../src/shared/naming.ts';
import { pooledAndDirect } from '../../src/runtime/neon.ts';
import { claudeSettingsHooks } from '../../src/shared/claude-hooks.ts';

describe('naming', () => {
  it('follows Claude Code for plain names', () => {
    expect(worktreeDirName('feature-auth')).toBe('feature-auth');
    expect(worktreeBranchName('feature/auth')).toBe('worktree-feature+auth');
    expect(worktreeDirName('agent-a0123456789abcdef')).toBe('agent-a0123456789abcdef');
  });
  it('rejects hostile names', () => {
    for (const n of ['', '  ', '..', 'a/../b', '/etc', 'C:\\x', 'a\nb', 'a\u0000', 5, null])
      expect(() => validateWorktreeName(n)).toThrow();
  });
  it('sanitises to distinct, capped, git- and Neon-safe names', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 400, unit: 'grapheme' }),
        fc.string({ minLength: 1, maxLength: 400 }),
        (a, b) => {
          let okA = true;
          try {
            validateWorktreeName(a);
            validateWorktreeName(b);
          } catch {
            okA = false;
          }
          fc.pre(okA);
          const da = worktreeDirName(a);
          expect(da).toMatch(/^[A-Za-z0-9._+-]{1,64}$/);
          expect(da).not.toMatch(/^[-.]|\.lock$|\.\./);
          if (a !== b) expect(da).not.toBe(worktreeDirName(b));
          const n = neonBranchName('abcd1234', `worktree-${da}`);
          expect(n).toMatch(/^agents\/abcd1234\/[a-z0-9._-]{1,48}$/);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('derives the pooled host exactly as the CLI does', () => {
    const d = 'postgresql://r:p@ep-cool-dark-123456.us-east-2.aws.neon.tech/neondb?sslmode=require';
    expect(pooledAndDirect(d, 'ep-cool-dark-123456').pooled).toBe(
      'postgresql://r:p@ep-cool-dark-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require',
    );
    expect(pooledAndDirect('postgresql://r:p@127.0.0.1:5/db?options=endpoint%3Dep-a-b-1', null).pooled).toBe(
      'postgresql://r:p@127.0.0.1:5/db?options=endpoint%3Dep-a-b-1-pooler&sslmode=require',
    );
  });
  it('exports the settings hooks the initializer writes', () => {
    expect(claudeSettingsHooks()).toEqual({
      WorktreeCreate: [
        {
          hooks: [
            {
              type: 'command',
              command: 'node "$CLAUDE_PROJECT_DIR/.claude/hooks/neon-worktree.mjs" worktree-create',
              timeout: 120,
            },
          ],
        },
      ],
      WorktreeRemove: [
        {
          hooks: [
            {
              type: 'command',
              command: 'node "$CLAUDE_PROJECT_DIR/.claude/hooks/neon-worktree.mjs" worktree-remove',
              timeout: 60,
            },
          ],
        },
      ],
      SessionStart: [
        {
          hooks: [
            {
              type: 'command',
              command: 'node "$CLAUDE_PROJECT_DIR/.claude/hooks/neon-worktree.mjs" session-start',
              timeout: 120,
            },
          ],
        },
      ],
    });
  });
});
