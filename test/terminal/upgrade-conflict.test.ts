// An upgrade in the wizard: a conflict between the user's edit and the new template is the user's call.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupTempDirs, git, makeRepo, read, writeFiles } from '../helpers/repo.ts';
import { installOlderVersion } from '../helpers/old-version.ts';
import { Terminal, termEnv } from './tmux.ts';

const FD = '.claude/agents/feature-developer.md';
const sessions: Terminal[] = [];
afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});
afterAll(cleanupTempDirs);

function conflicted(): string {
  const repo = makeRepo();
  installOlderVersion(repo);
  writeFiles(repo, { [FD]: read(repo, FD).replace('1. Read the code first and follow its patterns', '1. Read ALL the code first and follow its patterns') });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'older setup, with our edit');
  return repo;
}

const active = (prompt: string) => (s: string) => s.split('\n').some((l) => /^[◆▲]/.test(l) && l.includes(prompt));

describe('upgrade conflicts in the wizard', () => {
  it.each([
    ['Keep mine', [] as string[], (text: string) => expect(text).toContain('Read ALL the code first')],
    ['Take the new version', ['Down'], (text: string) => expect(text).toContain('Read the code around the feature first')],
    ['Write conflict markers', ['Down', 'Down', 'Down'], (text: string) => expect(text).toMatch(/^<<<<<<< yours/m)],
  ])('%s', async (_label, keys, check) => {
    const repo = conflicted();
    const t = await Terminal.start({ cwd: repo, args: ['--no-verify'], env: termEnv(), rows: 50 });
    sessions.push(t);
    // Recorded answers are re-used: the first question is the conflict itself.
    const s = await t.waitFor(active(`${FD}: your edits and the new version overlap`));
    expect(s).not.toMatch(/Neon project id/);
    t.keys(...keys, 'Enter');
    await t.waitFor(active('Write these files?'));
    t.keys('Enter');
    // Whatever the choice, it was the user's: exit 0 (a non-interactive run with conflicts exits 1).
    expect(await t.exitCode()).toBe(0);
    check(read(repo, FD));
  });
});
