// runInit in-process, with a scripted wizard and a Ui that records what it is told: the orchestration (answers →
// plan → decisions → re-plan → apply → report) tested in milliseconds, against a real git repository on disk.
import { afterAll, describe, expect, it } from 'vitest';
import { runInit, type InitContext, type InitResult } from '../../src/commands/init.ts';
import { parseOptions } from '../../src/options.ts';
import type { Ui } from '../../src/ui.ts';
import type { Wizard } from '../../src/prompts.ts';
import type { Resolution } from '../../src/plan/plan.ts';
import { cleanupTempDirs, git, makeRepo, read, tempDir, writeFiles } from '../helpers/repo.ts';
import { installOlderVersion } from '../helpers/old-version.ts';

afterAll(cleanupTempDirs);

const PROJECT = 'winter-sun-12345678';
const FD = '.claude/agents/feature-developer.md';
const NEW_LINE = '1. Read the code around the feature first and follow the patterns you find';

/** A Ui that keeps everything it is told. */
function recordingUi(): Ui & { infos: string[]; reports: InitResult[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  const reports: InitResult[] = [];
  return {
    warnings,
    infos,
    reports,
    intro: () => {},
    warn: (m) => warnings.push(m),
    info: (m) => infos.push(m),
    task: (_title, fn) => fn(),
    report: (r) => reports.push(r),
    error: (m) => warnings.push(`error: ${m}`),
  };
}

/** A wizard that answers the project id, settles every conflict one way and overwrites what it is offered. */
function scriptedWizard(settle: Resolution, overwrite = false): Wizard & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async ask({ answers }) {
      asked.push('ask');
      return { answers: { ...answers, projectId: { value: PROJECT, source: 'asked' } } as never, cliLogin: false };
    },
    async confirmPlan() {
      asked.push('confirm');
    },
    async resolveConflicts(conflicts) {
      asked.push(...conflicts.map((c) => `conflict ${c.display}`));
      return new Map(conflicts.map((c) => [c.display, settle]));
    },
    async chooseOverwrites(ops) {
      asked.push(...ops.map((o) => `overwrite? ${o.display}`));
      return new Set(overwrite ? ops.map((o) => o.display) : []);
    },
    async chooseMaskingRules(proposed) {
      asked.push(`mask ${proposed.length}`);
      return proposed;
    },
  };
}

function context(repo: string, wizard: Wizard | null, ui: Ui, argv: string[] = []): InitContext {
  // A home of its own: the user credentials file goes there, never into the real one.
  const env = { PATH: process.env.PATH, HOME: tempDir('cna-home-') };
  return {
    options: parseOptions(['--no-verify', ...argv], env),
    env,
    cwd: repo,
    version: '1.0.0',
    interactive: wizard !== null,
    ui,
    wizard,
    runtimeSource: '#!/usr/bin/env node\n// runtime stand-in\n',
  };
}

/** An older release installed and committed, with the user's edit overlapping the new template's. */
function conflictingUpgrade(): string {
  const repo = makeRepo();
  installOlderVersion(repo);
  writeFiles(repo, { [FD]: read(repo, FD).replace('1. Read the code first', '1. Read ALL the code first') });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'older setup, edited');
  return repo;
}

describe('runInit in-process', () => {
  it('a first run: the wizard is asked, the plan confirmed, the files written and reported', async () => {
    const repo = makeRepo();
    const ui = recordingUi();
    const wizard = scriptedWizard('markers');
    const result = await runInit(context(repo, wizard, ui));
    expect(wizard.asked).toEqual(['ask', 'confirm']);
    expect(result.answers.projectId).toBe(PROJECT);
    expect(result.resolved.projectId.source).toBe('asked');
    expect(result.written).toContain('.claude/neon-agents.json');
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers.projectId).toBe(PROJECT);
  });

  it('"take the new version" re-plans: the new render is written, recorded as the base, and a re-run is a no-op', async () => {
    const repo = conflictingUpgrade();
    const wizard = scriptedWizard('theirs');
    const result = await runInit(context(repo, wizard, recordingUi()));
    expect(wizard.asked).toEqual(['ask', `conflict ${FD}`, 'confirm']);
    expect(result.conflicts).toEqual([]);
    const text = read(repo, FD);
    expect(text).toContain(NEW_LINE);
    expect(text).not.toMatch(/Read ALL the code|<<<<<<</);
    expect(result.plan.ops.find((op) => op.display === FD)?.reason).toBe('new version (you chose it)');
    git(repo, 'commit', '-qam', 'upgraded');
    const again = await runInit(context(repo, null, recordingUi(), ['--yes']));
    expect(again.written).toEqual([]);
  });

  it('"keep mine" keeps the edit; the next upgrade merges against this version, not the old one', async () => {
    const repo = conflictingUpgrade();
    const edited = read(repo, FD);
    const result = await runInit(context(repo, scriptedWizard('mine'), recordingUi()));
    expect(result.conflicts).toEqual([]);
    expect(read(repo, FD)).toBe(edited);
    git(repo, 'commit', '-qam', 'upgraded, kept mine');
    const again = await runInit(context(repo, null, recordingUi(), ['--yes']));
    expect(again.plan.ops.find((op) => op.display === FD)?.reason).toBe(
      'kept your edits (the template did not change)',
    );
    expect(read(repo, FD)).toBe(edited);
  });

  it('"write conflict markers" leaves them, and git knows the file is in conflict', async () => {
    const repo = conflictingUpgrade();
    const result = await runInit(context(repo, scriptedWizard('markers'), recordingUi()));
    expect(result.conflicts).toEqual([FD]);
    expect(read(repo, FD)).toMatch(/^<<<<<<< yours/m);
    expect(git(repo, 'status', '--porcelain', '--', FD)).toBe(`UU ${FD}`);
  });

  it('a file of the user’s is offered for overwriting; the decision re-plans and the manifest records the file', async () => {
    const repo = makeRepo({ [FD]: '# our own agent\n' });
    const wizard = scriptedWizard('markers', true);
    const result = await runInit(context(repo, wizard, recordingUi()));
    expect(wizard.asked).toContain(`overwrite? ${FD}`);
    expect(read(repo, FD)).toMatch(/^---\nname: feature-developer/);
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).files[FD]).toBeDefined();
    expect(result.plan.ops.find((op) => op.display === FD)?.reason).toMatch(/overwritten \(you chose it\)/);
  });

  it('without a wizard and without a project id: the usage error names the flag, nothing is written', async () => {
    const repo = makeRepo();
    await expect(runInit(context(repo, null, recordingUi(), ['--yes']))).rejects.toThrow(/--project-id/);
    expect(() => read(repo, '.claude/neon-agents.json')).toThrow();
  });
});
