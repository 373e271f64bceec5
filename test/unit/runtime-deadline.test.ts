import { afterEach, describe, expect, it } from 'vitest';
import { deadlineFor } from '../../src/runtime/config.ts';
import { DEFAULT_ANSWERS } from '../../src/shared/manifest.ts';
import { WORKTREE_CREATE_TIMEOUT } from '../../src/shared/claude-hooks.ts';

const answers = (provisionTimeoutSeconds: number) => ({
  ...DEFAULT_ANSWERS,
  projectId: 'p-1',
  provisionTimeoutSeconds,
});

describe('the deadline of a hook call', () => {
  afterEach(() => {
    delete process.env.NEON_AGENTS_PROVISION_TIMEOUT;
  });
  it('is provisionTimeoutSeconds; a value that is not a positive number falls back to 60 s', () => {
    expect(deadlineFor(answers(20)).budget).toBe(20_000);
    for (const bad of [0, -5, Number.NaN]) expect(deadlineFor(answers(bad)).budget).toBe(60_000);
    process.env.NEON_AGENTS_PROVISION_TIMEOUT = 'soon';
    expect(deadlineFor(answers(20)).budget).toBe(60_000);
  });
  it("never reaches Claude Code's WorktreeCreate timeout (10 s before it)", () => {
    expect(deadlineFor(answers(3600)).budget).toBe((WORKTREE_CREATE_TIMEOUT - 10) * 1000);
    process.env.NEON_AGENTS_PROVISION_TIMEOUT = '5';
    expect(deadlineFor(answers(60)).budget).toBe(5_000);
  });
});
