import { describe, expect, it } from 'vitest';
import { deadlineFor } from '../../src/runtime/config.ts';
import { DEFAULT_ANSWERS } from '../../src/shared/manifest.ts';
import { WORKTREE_CREATE_TIMEOUT } from '../../src/shared/claude-hooks.ts';

const answers = (provisionTimeoutSeconds: number) => ({
  ...DEFAULT_ANSWERS,
  projectId: 'p-1',
  provisionTimeoutSeconds,
});

// The environment is the call's (its RuntimeContext's), passed in: the runtime reads no process.env here.
describe('the deadline of a hook call', () => {
  it('is provisionTimeoutSeconds; a value that is not a positive number falls back to 60 s', () => {
    expect(deadlineFor(answers(20), {}).budget).toBe(20_000);
    for (const bad of [0, -5, Number.NaN]) expect(deadlineFor(answers(bad), {}).budget).toBe(60_000);
    expect(deadlineFor(answers(20), { NEON_AGENTS_PROVISION_TIMEOUT: 'soon' }).budget).toBe(60_000);
  });
  it("never reaches Claude Code's WorktreeCreate timeout (10 s before it)", () => {
    expect(deadlineFor(answers(3600), {}).budget).toBe((WORKTREE_CREATE_TIMEOUT - 10) * 1000);
    expect(deadlineFor(answers(60), { NEON_AGENTS_PROVISION_TIMEOUT: '5' }).budget).toBe(5_000);
  });
  it('counts from when the call started', () => {
    expect(deadlineFor(answers(20), {}, 1_000).deadline).toBe(21_000);
  });
});
