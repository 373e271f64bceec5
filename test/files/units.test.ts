// Every managed-file unit against fixture folders, in memory (no disk, no git): test/files/<unit>/<case>/ holds
//   before/        the repository's files before a run (`_git/…` stands for the git common dir `.git/…`, which
//                  git refuses to commit, and `dotenv…` for `.env…`, which no repository should track)
//   input.json     answers and repository facts that differ from the defaults below (optional)
//   after/         the files this unit writes, as the run leaves them (file snapshots: `vitest -u` rewrites them)
//   findings.json  what the unit's doctor check reports after the run: [check, level] pairs
//   after-remove/  files uninstall leaves changed on purpose (optional; each named in one of its notes)
// and one table asserts, for every case: plan → apply gives after/; check then finds what findings.json says (no
// problem, unless the case is about one); remove → apply gives back before/ byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { plan, type PlanInput } from '../../src/plan/plan.ts';
import { UNITS, planRemoval } from '../../src/files/index.ts';
import type { CheckInput, GitFacts, Snapshot } from '../../src/files/engine.ts';
import type { FileOp } from '../../src/plan/ops.ts';
import { DEFAULT_ANSWERS, MANIFEST_PATH, parseManifest, type ManifestAnswers } from '../../src/shared/manifest.ts';
import { plainPm, plainProject, plainRepo } from '../helpers/detected.ts';
import { TEMPLATES } from '../../src/plan/render.ts';
import type { MaskingRule } from '../../src/shared/masking.ts';
import { ignoredBy, removeExcludeBlock } from '../../src/edits/exclude.ts';

const ROOT = '/repo';
/** The user credentials file, inside the memory repo so before/ and after/ can hold it (`_home/…`). */
const USER_CREDENTIALS = path.join(ROOT, '_home/.config/create-neon-agents/credentials.json');
const FIXTURES = path.join(import.meta.dirname);
const RUNTIME = "#!/usr/bin/env node\n// the runtime (a stand-in: its bytes are the runtime unit's business only)\n";

interface CaseInput {
  answers?: Partial<ManifestAnswers>;
  apiKey?: string;
  coreHooksPath?: string;
  /** Modes of before/ files (default 0644), by their path in the repository (`.git/…`). */
  modes?: Record<string, number>;
  /** Masking rules proposed from the parent branch's schema (the masking-rules unit). */
  maskingProposals?: MaskingRule[];
}

/** A repository in memory: absolute path → text and mode. */
class MemoryRepo implements Snapshot {
  readonly files = new Map<string, { text: string; mode: number }>();
  read = (abs: string) => this.files.get(abs)?.text ?? null;
  mode = (abs: string) => this.files.get(abs)?.mode ?? null;
  apply(ops: FileOp[]): void {
    for (const op of ops) {
      if (op.type === 'write' && op.action !== 'skip' && op.action !== 'unchanged')
        this.files.set(op.path, { text: op.content, mode: op.mode ?? this.files.get(op.path)?.mode ?? 0o644 });
      else if (op.type === 'delete' && op.action === 'delete') this.files.delete(op.path);
      else if (op.type === 'rename' && op.action === 'create') {
        this.files.set(op.to, this.files.get(op.from)!);
        this.files.delete(op.from);
      }
    }
  }
  texts(): Record<string, string> {
    return Object.fromEntries([...this.files].map(([k, v]) => [path.relative(ROOT, k), v.text]).sort());
  }
}

/** A fixture's path → the repository path it stands for (see the header), and back. */
const fromFixturePath = (rel: string) => rel.replace(/^_git\//, '.git/').replace(/(^|\/)dotenv(?=[^/]*$)/, '$1.env');
const toFixturePath = (rel: string) => rel.replace(/^\.git\//, '_git/').replace(/(^|\/)\.env(?=[^/]*$)/, '$1dotenv');

function readTree(dir: string, prefix = ''): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, readTree(path.join(dir, entry.name), rel));
    else out[fromFixturePath(rel)] = fs.readFileSync(path.join(dir, entry.name), 'utf8');
  }
  return out;
}

/** What git would say, from the ignore files in memory (enough for the paths the units ask about). */
function gitFacts(repo: MemoryRepo): GitFacts {
  const lines = (rel: string) => (repo.read(path.join(ROOT, rel)) ?? '').split(/\r?\n/);
  return {
    tracked: () => false,
    ignored: (_cwd, rel) => ignoredBy([...lines('.gitignore'), ...lines('.git/info/exclude')], rel),
    onlyOurExcludeIgnores: (rel) =>
      !ignoredBy(lines('.gitignore'), rel) &&
      !ignoredBy(removeExcludeBlock(repo.read(path.join(ROOT, '.git/info/exclude')) ?? '').split(/\r?\n/), rel) &&
      ignoredBy(lines('.git/info/exclude'), rel),
  };
}

function planInput(repo: MemoryRepo, input: CaseInput): PlanInput {
  const manifestText = repo.read(path.join(ROOT, MANIFEST_PATH));
  const hooksDir = input.coreHooksPath ? path.join(ROOT, input.coreHooksPath) : `${ROOT}/.git/hooks`;
  return {
    version: '1.0.0',
    answers: { ...DEFAULT_ANSWERS, projectId: 'winter-sun-12345678', ...input.answers },
    apiKey: input.apiKey,
    userCredentialsFile: USER_CREDENTIALS,
    repo: plainRepo(ROOT, { hooksDir, coreHooksPath: input.coreHooksPath ?? null }),
    project: plainProject(),
    pm: plainPm(),
    manifest: manifestText ? parseManifest(manifestText) : null,
    files: repo,
    ignored: new Set(),
    envFileTracked: false,
    runtimeSource: RUNTIME,
    templates: TEMPLATES,
    force: false,
    ...(input.maskingProposals ? { maskingProposals: input.maskingProposals } : {}),
  };
}

const cases = UNITS.flatMap((unit) => {
  const dir = path.join(FIXTURES, unit.id);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => fs.statSync(path.join(dir, name)).isDirectory())
    .map((name) => ({ unit, name, dir: path.join(dir, name) }));
});

describe('managed-file units: plan → apply → check → remove', () => {
  it('every unit has fixture cases', () => {
    for (const unit of UNITS)
      expect(
        cases.some((c) => c.unit === unit),
        unit.id,
      ).toBe(true);
  });

  it.each(cases.map((c) => [`${c.unit.id}/${c.name}`, c] as const))('%s', async (_name, { unit, dir }) => {
    const input: CaseInput = fs.existsSync(path.join(dir, 'input.json'))
      ? JSON.parse(fs.readFileSync(path.join(dir, 'input.json'), 'utf8'))
      : {};
    const before = readTree(path.join(dir, 'before'));
    const repo = new MemoryRepo();
    for (const [rel, text] of Object.entries(before))
      repo.files.set(path.join(ROOT, rel), { text, mode: input.modes?.[rel] ?? 0o644 });

    // plan → apply: the unit's files are as after/ says.
    const unitOps = unit.plan(planInput(repo, input)).ops;
    const planned = plan(planInput(repo, input));
    repo.apply(planned.ops);
    const touched = new Set(unitOps.flatMap((op) => (op.type === 'rename' ? [op.from, op.to] : [op.path])));
    for (const abs of touched) {
      const text = repo.read(abs);
      const rel = path.relative(ROOT, abs);
      const expected = path.join(dir, 'after', toFixturePath(rel));
      if (text === null) expect(fs.existsSync(expected), `${rel} is gone`).toBe(false);
      else await expect(text, rel).toMatchFileSnapshot(expected);
    }

    // check: a second plan changes nothing, and doctor finds what the case expects.
    const again = plan(planInput(repo, input));
    expect(
      again.ops.filter((op) => op.action !== 'unchanged' && op.action !== 'skip').map((op) => op.display),
      'a re-run is a no-op',
    ).toEqual([]);
    const checkInput: CheckInput = {
      repo: planInput(repo, input).repo,
      manifest: planned.manifest,
      pm: planInput(repo, input).pm,
      files: repo,
      git: gitFacts(repo),
      rerun: (args) => `create-neon-agents ${args ?? ''}`.trim(),
    };
    const findings = unit.check(checkInput).map((f) => [f.check, f.level, f.message]);
    const expected: [string, string][] = fs.existsSync(path.join(dir, 'findings.json'))
      ? JSON.parse(fs.readFileSync(path.join(dir, 'findings.json'), 'utf8'))
      : [];
    expect(
      findings.map(([check, level]) => [check, level]),
      JSON.stringify(findings),
    ).toEqual(expected);

    // remove → apply: every byte of before/ is back, and nothing else is left; except what uninstall keeps on
    // purpose (after-remove/: e.g. the env file's ignore line while the env file stays), each named in a note.
    const removal = planRemoval({
      repo: checkInput.repo,
      manifest: planned.manifest,
      files: repo,
      force: true,
      userCredentialsFile: USER_CREDENTIALS,
    });
    repo.apply(removal.ops);
    const kept = readTree(path.join(dir, 'after-remove'));
    for (const rel of Object.keys(kept))
      expect(removal.notes.join('\n'), `a note says why ${rel} is kept`).toContain(rel);
    expect(repo.texts()).toEqual(Object.fromEntries(Object.entries({ ...before, ...kept }).sort()));
  });
});
