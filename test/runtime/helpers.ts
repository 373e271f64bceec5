// Shared helpers for the runtime integration tests: temp git repos wired like the initializer wires them.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll } from 'vitest';
import { planGitHookOps } from '../../src/files/git-hook/index.ts';
import { diskSnapshot } from '../../src/files/snapshot.ts';
import { detectRepo } from '../../src/detect/repo.ts';
import { apply } from '../../src/apply.ts';
import { claudeSettingsHooks } from '../../src/shared/claude-hooks.ts';
import { DEFAULT_ANSWERS, type Manifest, type ManifestAnswers } from '../../src/shared/manifest.ts';
import { useLocalNeon, type LocalNeonFixture } from '../fixtures/local-neon.ts';
import type { LocalNeonOptions } from '../../dev/local-neon/index.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NEON_BIN = path.join(ROOT, 'node_modules/.bin/neon');

/**
 * The local Neon for a runtime test file, and what each test needs from it once it runs: the environment the
 * runtime sees (the Neon API through NEON_API_HOST, no Neon CLI, short retry pauses) and the default branch's URL
 * (the "shared database").
 */
export function useRuntimeNeon(options: LocalNeonOptions = {}): {
  ln: LocalNeonFixture;
  env: () => Record<string, string>;
  mainUrl: () => string;
} {
  const ln = useLocalNeon({ branchLimit: 100, ...options });
  return {
    ln,
    // No Neon CLI anywhere (PATH without node_modules/.bin, no NEON_AGENTS_NEON_BIN): with a key the runtime must
    // not need one, and these suites prove it by passing.
    env: () => ({
      ...ln.env,
      PATH: (ln.env.PATH ?? process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((d) => !d.includes('node_modules'))
        .join(path.delimiter),
      NEON_AGENTS_RETRY_BASE_MS: '50',
    }),
    mainUrl: () => ln.local.getProject().connectionUri,
  };
}

/**
 * useRuntimeNeon() for a whole test file, with what each test reads once the local Neon runs: `suite.env` (the
 * runtime's environment) and `suite.mainUrl` (the shared database's URL), filled before the first test.
 */
export function useRuntimeSuite(options: LocalNeonOptions = {}): {
  ln: LocalNeonFixture;
  env: Record<string, string>;
  mainUrl: string;
} {
  const neon = useRuntimeNeon(options);
  const suite = { ln: neon.ln, env: {} as Record<string, string>, mainUrl: '' };
  beforeAll(() => {
    suite.env = neon.env();
    suite.mainUrl = neon.mainUrl();
  });
  return suite;
}

let runtimePromise: Promise<string> | null = null;
/** Bundle src/runtime/main.ts exactly as scripts/build.mjs does (without touching dist/). */
export function buildRuntime(): Promise<string> {
  runtimePromise ??= (async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'na-rt-')), 'neon-worktree.mjs');
    await build({
      entryPoints: [path.join(ROOT, 'src/runtime/main.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
      banner: { js: '#!/usr/bin/env node' },
    });
    return out;
  })();
  return runtimePromise;
}

export function tmpdir(prefix = 'na-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export function sh(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Async variant (for parallel runs). */
export function shAsync(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    },
  }).trim();
}

export interface RepoOptions {
  answers?: Partial<ManifestAnswers>;
  envText?: string | null;
  gitHook?: boolean;
  claudeHooks?: boolean;
  /** Extra files to commit. */
  files?: Record<string, string>;
  /** Run before the hook is planned (e.g. husky setup). */
  beforeHook?: (repo: string) => void;
}

export async function makeRepo(opts: RepoOptions = {}): Promise<string> {
  const repo = tmpdir('na-repo-');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 't@e');
  git(repo, 'config', 'user.name', 't');
  const answers: ManifestAnswers = { ...DEFAULT_ANSWERS, projectId: 'local-project-123456', ...opts.answers };
  const manifest: Manifest = { tool: 'create-neon-agents', version: '0.0.0-test', answers, files: {} };
  const files: Record<string, string> = {
    '.gitignore': '.env\n.env.*\n!.env.example\n.claude/worktrees/\n.claude/settings.local.json\nnode_modules/\n',
    'README.md': '# test\n',
    '.claude/neon-agents.json': JSON.stringify(manifest, null, 2),
    ...opts.files,
  };
  if (opts.claudeHooks !== false && !opts.files?.['.claude/settings.json'])
    files['.claude/settings.json'] = JSON.stringify({ hooks: claudeSettingsHooks() }, null, 2);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    fs.writeFileSync(path.join(repo, rel), text);
  }
  const rt = await buildRuntime();
  fs.mkdirSync(path.join(repo, '.claude/hooks'), { recursive: true });
  fs.copyFileSync(rt, path.join(repo, '.claude/hooks/neon-worktree.mjs'));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'init');
  if (opts.envText !== null)
    fs.writeFileSync(
      path.join(repo, answers.envFile),
      opts.envText ?? '# app settings\nAPP_NAME=demo\nDATABASE_URL=postgresql://shared:pw@shared-host/neondb\n',
    );
  opts.beforeHook?.(repo);
  if (opts.gitHook !== false) installGitHook(repo);
  return repo;
}

/** Wire the git hook exactly as the initializer does: its plan for this repository, written by its apply. */
export function installGitHook(repo: string) {
  const info = detectRepo(repo);
  const planned = planGitHookOps({ repo: info, files: diskSnapshot(info.root) });
  apply(planned.ops);
  return planned;
}

export function readEnv(file: string): string | null {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}
