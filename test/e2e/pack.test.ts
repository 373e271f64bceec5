// The published package, as users get it: `npm pack` → install the tarball alone into an empty project (offline,
// with an empty npm cache: possible only because the package has zero dependencies) → run its bin.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ROOT, baseEnv, cleanupTempDirs, makeRepo, read, tempDir } from '../helpers/repo.ts';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

/** npm, without the settings of the `npm test` that may be running us (npm_config_*, npm_lifecycle_*). */
function npmEnv(cache: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_cache: cache, npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };
}

let packed: PackResult;
let tarball = '';
let bin = '';
let installedPkg: Record<string, any>;
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist/cli.mjs')))
    throw new Error('dist/cli.mjs is missing: run `npm run build` first (npm test does)');
  const work = tempDir('cna-pack-');
  const cache = path.join(work, 'npm-cache');
  const env = npmEnv(cache);
  const p = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: ROOT,
    env,
    extendEnv: false,
  });
  packed = (JSON.parse(p.stdout) as PackResult[])[0]!;
  tarball = path.join(work, packed.filename);

  // An empty project, installed into offline from the tarball alone.
  const project = path.join(work, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'pack-test', private: true }) + '\n');
  await execa('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: project,
    env,
    extendEnv: false,
  });
  bin = path.join(project, 'node_modules/.bin/create-neon-agents');
  installedPkg = JSON.parse(readFileSync(path.join(project, 'node_modules/create-neon-agents/package.json'), 'utf8'));
}, 60_000);

afterAll(() => cleanupTempDirs());

describe('npm pack', () => {
  test('has zero runtime dependencies of any kind', () => {
    for (const field of [
      'dependencies',
      'optionalDependencies',
      'peerDependencies',
      'bundleDependencies',
      'bundledDependencies',
    ]) {
      expect(Object.keys(pkg[field] ?? {}), `package.json ${field}`).toEqual([]);
      expect(Object.keys(installedPkg[field] ?? {}), `packed package.json ${field}`).toEqual([]);
    }
  });

  test('holds only the bin, its chunks, the README and package.json', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const f of files) {
      expect(f, `unexpected file in the tarball: ${f}`).toMatch(
        /^(package\.json|README\.md|LICENSE(\.md)?|dist\/cli\.mjs|dist\/chunks\/[\w-]+\.mjs)$/,
      );
    }
    expect(files).toContain('dist/cli.mjs');
    expect(
      files.some(
        (f) =>
          /^(test|dev|src|scripts|bench|templates|node_modules)\//.test(f) ||
          f.startsWith('dist/dev/') ||
          f.endsWith('.map') ||
          f.endsWith('.ts'),
      ),
    ).toBe(false);
    expect(installedPkg.bin).toEqual({ 'create-neon-agents': 'dist/cli.mjs' });
    expect(installedPkg.engines?.node).toMatch(/^>=20/);
  });

  test('every chunk the entry imports is in the tarball (the entry imports only the small options chunk)', () => {
    const files = new Set(packed.files.map((f) => f.path));
    const entry = readFileSync(path.join(ROOT, 'dist/cli.mjs'), 'utf8');
    const imports = [...entry.matchAll(/from\s*"\.\/(chunks\/[^"]+)"|import\s*"\.\/(chunks\/[^"]+)"/g)].map(
      (m) => `dist/${m[1] ?? m[2]}`,
    );
    expect(imports.length).toBeGreaterThan(0);
    for (const i of imports) expect(files.has(i), i).toBe(true);
    // --help must not load the libraries: what the entry imports statically stays small.
    const staticBytes = imports.reduce((n, i) => n + packed.files.find((f) => f.path === i)!.size, entry.length);
    expect(staticBytes).toBeLessThan(30_000);
  });
});

describe('the installed package, alone', () => {
  test('--help and --version', async () => {
    const env = baseEnv();
    const help = await execa(bin, ['--help'], { env, extendEnv: false, reject: false });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--project-id');
    const version = await execa(bin, ['--version'], { env, extendEnv: false, reject: false });
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  test('scaffolds a fresh git repository (--yes --no-verify --project-id)', async () => {
    const repo = makeRepo();
    const r = await execa(bin, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'], {
      cwd: repo,
      env: baseEnv(),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const manifest = JSON.parse(read(repo, '.claude/neon-agents.json'));
    expect(manifest.answers.projectId).toBe('winter-sun-12345678');
    expect(existsSync(path.join(repo, '.claude/agents/feature-developer.md'))).toBe(true);
    // The runtime it writes is the built, dependency-free one, and it loads with nothing installed next to it.
    expect(read(repo, '.claude/hooks/neon-worktree.mjs')).toBe(read(ROOT, 'dist/runtime/neon-worktree.mjs'));
    const check = await execa('node', ['--check', path.join(repo, '.claude/hooks/neon-worktree.mjs')], {
      reject: false,
    });
    expect(check.exitCode, check.stderr).toBe(0);
  });
});
