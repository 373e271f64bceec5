// An upgrade in the wizard: a conflict between the user's edit and the new template is the user's call.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupTempDirs, git, makeRepo, read, writeFiles } from '../helpers/repo.ts';
import { installOlderVersion } from '../helpers/old-version.ts';
import { active, termEnv, Terminal } from './tmux.ts';

const FD = '.claude/agents/feature-developer.md';
const sessions: Terminal[] = [];
afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});
afterAll(cleanupTempDirs);

function conflicted(): string {
  const repo = makeRepo();
  installOlderVersion(repo);
  writeFiles(repo, {
    [FD]: read(repo, FD).replace(
      '1. Read the code first and follow its patterns',
      '1. Read ALL the code first and follow its patterns',
    ),
  });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'older setup, with our edit');
  return repo;
}

describe('upgrade conflicts in the wizard', () => {
  it.each([
    ['Keep mine', [] as string[], (text: string) => expect(text).toContain('Read ALL the code first')],
    [
      'Take the new version',
      ['Down'],
      (text: string) => expect(text).toContain('Read the code around the feature first'),
    ],
    ['Write conflict markers', ['Down', 'Down', 'Down'], (text: string) => expect(text).toMatch(/^<<<<<<< yours/m)],
  ])('%s', async (_label, keys, check) => {
    const repo = conflicted();
    const t = await Terminal.start({ cwd: repo, args: ['--no-verify'], env: termEnv(), rows: 50 });
    sessions.push(t);
    // Recorded answers are re-used (the first question only offers to change them), then the conflict itself.
    await t.waitFor(active('Set up before by create-neon-agents 0.0.9'));
    t.keys('Enter'); // Upgrade with the recorded settings
    const s = await t.waitFor(active(`${FD}: your edits and the new version overlap`));
    expect(s).not.toMatch(/Neon project id|Which agent roles/);
    t.keys(...keys, 'Enter');
    await t.waitFor(active('Write these files?'));
    t.keys('Enter');
    // Whatever the choice, it was the user's: exit 0 (a non-interactive run with conflicts exits 1).
    expect(await t.exitCode()).toBe(0);
    check(read(repo, FD));
  });
});

describe('a re-run in the wizard', () => {
  it('"Change settings" asks the questions again, with the recorded answers as defaults', async () => {
    const repo = makeRepo();
    installOlderVersion(repo);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'older setup');
    const t = await Terminal.start({ cwd: repo, args: ['--no-verify'], env: termEnv(), rows: 50 });
    sessions.push(t);
    await t.waitFor(active('Set up before by create-neon-agents 0.0.9'));
    t.keys('Down', 'Enter'); // Change settings
    await t.waitFor(active('Neon API key'));
    t.keys('Enter'); // none: use the Neon CLI login
    await t.waitFor(active('Which agent roles?'));
    t.keys('Down', 'Down', 'Space', 'Enter'); // add migration-reviewer
    await t.waitFor(active('Permission mode for the agents'));
    t.keys('Enter');
    await t.waitFor(active('Delete agent branches after how many days?'));
    t.keys('Enter');
    await t.waitFor(active('What data do agent branches start with?'));
    t.keys('Enter');
    await t.waitFor(active('Write these files?'));
    t.keys('Enter');
    expect(await t.exitCode()).toBe(0);
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers.roles).toEqual([
      'feature-developer',
      'data-optimizer',
      'migration-reviewer',
    ]);
    expect(read(repo, '.claude/agents/migration-reviewer.md')).toContain('name: migration-reviewer');
  });
});
