// The promise on five apps shaped like real public ones (test/fixtures/apps/*/fixture.json says which): set up by
// the BUILT initializer, then a worktree made each way an agent gets one — `git worktree add` (post-checkout hook),
// Claude Code's WorktreeCreate, `ensure` in a worktree made with hooks disabled (Claude Code, Codex), and a Claude
// worktree based on a commit from before the setup — and in each, no env value reaches the parent branch.
// One local Neon for the file; fixtures run one after another.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, sh, tmpdir, useRuntimeNeon } from './helpers.ts';
import {
  checkPromise,
  fillTemplate,
  isIgnored,
  ownBranchOf,
  parentOf,
  redactor,
  type ConfigVar,
  type Own,
  type Parent,
} from './promise.ts';

const FIXTURES = path.join(ROOT, 'test/fixtures/apps');
const CLI = path.join(ROOT, 'dist/cli.mjs');
const RT = '.claude/hooks/neon-worktree.mjs';

interface FixtureMeta {
  shapedOn: string;
  features: string[];
  configVars: ConfigVar[];
  /** The initializer's git hook does not run until the app's hook manager is installed (husky before `npm install`). */
  hookInactiveUntilInstall?: boolean;
  /** package.json scripts that run under a secret manager (`doppler run -- …`): it injects the shared values itself. */
  secretManagerScripts?: string[];
}

const names = ['next-drizzle-saas', 'next-prisma5', 't3-turbo', 'turbo-prisma', 'next16-prisma7'];

const neon = useRuntimeNeon();
const ln = neon.ln;
/** The environment of every command: the local Neon for the real Neon CLI, but no NEON_API_KEY (the main checkout's env file holds it, as for a real user). */
let env: Record<string, string>;
let parent: Parent;
let redact: (s: string) => string;
const cleanup: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.mjs is missing: run `npm run build` first');
  const { NEON_API_KEY: _key, ...rest } = neon.env();
  env = rest;
  for (const k of Object.keys(env)) if (/^(CLAUDE|ANTHROPIC_|CODEX)/.test(k)) delete env[k];
  parent = await parentOf(ln);
  redact = redactor([parent.password, ln.local.apiKey]);
});
afterAll(() => {
  // NA_KEEP_TMP=1 keeps the repos and worktrees for a look (they hold the local Neon's throwaway passwords only).
  if (!process.env.NA_KEEP_TMP) for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});

const gitEnv = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
function g(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env, ...gitEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/**
 * Copy a fixture without its test-only files (fixture.json, `dotenv*.template`); return the env-file templates.
 * `dir/dotenv.local.template` becomes `dir/.env.local` (named so that no .gitignore — ours or the fixture's — hides it).
 */
const envNameOf = (template: string) =>
  path.join(
    path.dirname(template),
    `.env${path
      .basename(template)
      .replace(/^dotenv/, '')
      .replace(/\.template$/, '')}`,
  );
function copyFixture(src: string, dest: string, rel = ''): string[] {
  const templates: string[] = [];
  for (const e of fs.readdirSync(path.join(src, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) {
      fs.mkdirSync(path.join(dest, r), { recursive: true });
      templates.push(...copyFixture(src, dest, r));
    } else if (r === 'fixture.json') continue;
    else if (/^dotenv.*\.template$/.test(e.name)) templates.push(r);
    else fs.copyFileSync(path.join(src, r), path.join(dest, r));
  }
  return templates;
}

const out = (r: { stdout: string; stderr: string }) => redact(`${r.stdout}\n${r.stderr}`.trim());

for (const name of names) {
  describe.sequential(name, () => {
    const meta: FixtureMeta = JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'fixture.json'), 'utf8'));
    let base = '';
    let repo = '';
    let c0 = '';
    let envFiles: string[] = [];
    let init: { code: number | null; stdout: string; stderr: string } | null = null;
    const owns: { label: string; own: Own | null }[] = [];
    const runtime = () => path.join(repo, RT);
    const check = async (label: string, worktree: string) => {
      const r = await checkPromise({ ln, fixture: name, label, worktree, parent, configVars: meta.configVars, redact });
      owns.push({ label, own: r.own });
      return r;
    };
    const needSetup = () => {
      if (init?.code !== 0)
        throw new Error(`${name}: the initializer failed (exit ${init?.code}):\n${init ? out(init) : 'not run'}`);
    };

    beforeAll(() => {
      base = tmpdir(`na-app-${name}-`);
      cleanup.push(base);
      repo = path.join(base, 'app');
      fs.mkdirSync(repo);
      const templates = copyFixture(path.join(FIXTURES, name), repo);
      g(repo, 'init', '-q', '-b', 'main');
      g(repo, 'config', 'user.email', 't@e');
      g(repo, 'config', 'user.name', 't');
      g(repo, 'config', 'commit.gpgsign', 'false');
      g(repo, 'add', '-A');
      g(repo, 'commit', '-q', '-m', 'the app');
      c0 = g(repo, 'rev-parse', 'HEAD');
      // The main checkout's env files, pointing at the parent branch (generated: real URLs are never committed).
      envFiles = templates.map(envNameOf);
      for (const t of templates) {
        fs.writeFileSync(
          path.join(repo, envNameOf(t)),
          fillTemplate(fs.readFileSync(path.join(FIXTURES, name, t), 'utf8'), parent.vars),
          { mode: 0o600 },
        );
      }
      init = sh(
        repo,
        'node',
        [CLI, '--yes', '--no-verify', '--project-id', ln.local.projectId, '--api-key', ln.local.apiKey],
        env,
      );
      if (init.code !== 0) return;
      // Commit the setup — never the env files, even where the app's .gitignore does not ignore them.
      // (`git add` refuses to name an ignored path, even to exclude it: exclude only those git would take.)
      g(repo, 'add', '-A', '--', '.', ...envFiles.filter((f) => !isIgnored(repo, f)).map((f) => `:(exclude)${f}`));
      g(repo, 'commit', '-q', '-m', 'Neon branch per agent worktree');
    });

    it('the initializer sets it up, and the main checkout keeps the parent', () => {
      needSetup();
      expect(fs.existsSync(runtime()), `${name}: ${RT} missing`).toBe(true);
      const manifest = JSON.parse(fs.readFileSync(path.join(repo, '.claude/neon-agents.json'), 'utf8'));
      // For the report: what the initializer chose for this app.
      console.log(
        `${name}: envFile=${manifest.answers.envFile} databaseUrlVar=${manifest.answers.databaseUrlVar} directUrlVar=${manifest.answers.directUrlVar}`,
      );
      const notIgnored = envFiles.filter((f) => !isIgnored(repo, f));
      expect(notIgnored, `${name} · main checkout: env files git does not ignore after the setup`).toEqual([]);
      expect(out(init!), `${name}: the initializer printed a secret`).not.toContain(parent.password);
    });

    it('control: the checks see the parent in the main checkout (so a pass in a worktree means something)', async () => {
      needSetup();
      const { violations } = await checkPromise({
        ln,
        fixture: name,
        label: 'main checkout',
        worktree: repo,
        parent,
        configVars: meta.configVars,
        redact,
      });
      expect(
        violations.some((v) => v.includes('(a) connects to the PARENT')),
        violations.join('\n'),
      ).toBe(true);
      expect(
        violations.some((v) => v.includes("(b) names the parent's endpoint")),
        violations.join('\n'),
      ).toBe(true);
      expect(
        violations.some((v) => v.includes('(c)')),
        violations.join('\n'),
      ).toBe(true);
      expect(violations.join('\n'), 'a failure message printed a password').not.toContain(parent.password);
    });

    // Only the fixtures that have one get this test (a test that is not there is not a skipped one).
    if (meta.secretManagerScripts?.length)
      it('a secret-manager script (doppler run): agents are never told to run it, and the user is told why', () => {
        needSetup();
        // `doppler run -- next dev` puts Doppler's DATABASE_URL (the shared database) in the process environment, and
        // dotenv / Next.js never override a variable that is already set: in a worktree that script reaches the parent
        // whatever the env file says. No env-file check can see that, so: the agent roles must not name the script,
        // and the initializer must say so.
        const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
        const agentsDir = path.join(repo, '.claude/agents');
        for (const script of meta.secretManagerScripts!) {
          for (const f of fs.readdirSync(agentsDir)) {
            const text = fs.readFileSync(path.join(agentsDir, f), 'utf8');
            for (const run of [
              `npm run ${script}`,
              `pnpm ${script}`,
              `pnpm run ${script}`,
              `yarn ${script}`,
              pkg.scripts[script],
            ]) {
              expect
                .soft(
                  text.includes(run),
                  `${name} · .claude/agents/${f} tells the agent to run \`${run}\` (${pkg.scripts[script]})`,
                )
                .toBe(false);
            }
          }
        }
        expect(
          out(init!),
          `${name}: the initializer said nothing about \`${pkg.scripts[meta.secretManagerScripts![0]!]}\``,
        ).toMatch(/doppler/i);
      });

    it('git worktree add: the post-checkout hook provisions, and nothing reaches the parent', async () => {
      needSetup();
      const wt = path.join(base, 'wt-x');
      const r = sh(repo, 'git', ['worktree', 'add', '-q', wt, '-b', 'x'], env);
      expect(r.code, `${name}: git worktree add failed:\n${out(r)}`).toBe(0);
      if (meta.hookInactiveUntilInstall) {
        // husky is declared but not installed in this clone (no `npm install` yet): git does not run .husky/, so the
        // post-checkout hook cannot fire. The initializer must say so; the worktree then has no database (never the
        // parent's), and `ensure` — what the warning and `status` point to — gives it its own.
        expect(
          out(init!),
          `${name}: the initializer did not warn that the hook is inactive until husky is installed`,
        ).toMatch(/husky is declared .*not installed/);
        const before = await checkPromise({
          ln,
          fixture: name,
          label: 'git worktree add ../wt-x (hook inactive)',
          worktree: wt,
          parent,
          configVars: meta.configVars,
          redact,
          noDatabaseYet: true,
        });
        expect(before.violations, `${name} · git worktree add, before ensure:\n${out(r)}`).toEqual([]);
        const e = sh(wt, 'node', [RT, 'ensure'], env);
        expect(e.code, `${name}: ensure in ../wt-x failed:\n${out(e)}`).toBe(0);
        const { violations } = await check('git worktree add ../wt-x, then ensure', wt);
        expect(violations, `${name} · git worktree add + ensure:\n${out(e)}`).toEqual([]);
        return;
      }
      const { violations } = await check('git worktree add ../wt-x', wt);
      expect(violations, `${name} · git worktree add:\n${out(r)}`).toEqual([]);
    });

    it('WorktreeCreate (Claude Code): nothing reaches the parent', async () => {
      needSetup();
      const r = sh(
        repo,
        'node',
        [runtime(), 'worktree-create'],
        { ...env, CLAUDE_PROJECT_DIR: repo },
        JSON.stringify({ name: 'agent-a1', cwd: repo }),
      );
      expect(r.code, `${name}: worktree-create failed:\n${out(r)}`).toBe(0);
      const wt = r.stdout.trim().split('\n').pop()!;
      expect(fs.existsSync(wt), `${name}: worktree-create printed ${wt}, which does not exist`).toBe(true);
      const { violations } = await check('WorktreeCreate agent-a1', wt);
      expect(violations, `${name} · WorktreeCreate:\n${out(r)}`).toEqual([]);
    });

    it('ensure in a worktree made with hooks disabled (as Claude Code and Codex make them): nothing reaches the parent', async () => {
      needSetup();
      const wt = path.join(base, 'wt-nohooks');
      const add = sh(
        repo,
        'git',
        ['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', wt, '-b', 'nohooks'],
        env,
      );
      expect(add.code, out(add)).toBe(0);
      const r = sh(wt, 'node', [RT, 'ensure'], env);
      expect(r.code, `${name}: ensure failed:\n${out(r)}`).toBe(0);
      const { violations } = await check('ensure (hooks disabled)', wt);
      expect(violations, `${name} · ensure:\n${out(r)}`).toEqual([]);
    });

    it('every worktree has a branch of its own, none shared', () => {
      needSetup();
      const ids = owns.filter((o) => o.own).map((o) => `${o.label}: ${o.own!.branchId}`);
      const unique = new Set(owns.filter((o) => o.own).map((o) => o.own!.branchId));
      expect(unique.size, `${name}: ${ids.join('; ')}`).toBe(ids.length);
      expect([...unique], `${name}: a worktree is on the parent`).not.toContain(parent.branchId);
    });

    it('a Claude worktree based on a commit without the setup (origin/HEAD): ignored env, status, remove', async () => {
      needSetup();
      // A fake origin whose HEAD is C0, the app before the setup (Claude's default base is origin/HEAD): a remote
      // named origin (never fetched) and its remote-tracking refs, as in a clone that has not pushed the setup yet.
      g(repo, 'remote', 'add', 'origin', path.join(base, 'origin.git'));
      g(repo, 'update-ref', 'refs/remotes/origin/main', c0);
      g(repo, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
      const r = sh(
        repo,
        'node',
        [runtime(), 'worktree-create'],
        { ...env, CLAUDE_PROJECT_DIR: repo },
        JSON.stringify({ name: 'agent-old', cwd: repo }),
      );
      expect(r.code, `${name}: worktree-create failed:\n${out(r)}`).toBe(0);
      const wt = r.stdout.trim().split('\n').pop()!;
      expect(g(wt, 'rev-parse', 'HEAD'), `${name}: the worktree is not based on origin/HEAD (C0)`).toBe(c0);
      expect(
        fs.existsSync(path.join(wt, RT)),
        `${name}: C0 has no setup, so the worktree should not have the runtime`,
      ).toBe(false);
      const { violations, own, files } = await check('WorktreeCreate agent-old (base C0)', wt);
      // Soft: the status and remove steps below still run (and report) when these fail.
      expect.soft(violations, `${name} · WorktreeCreate on C0:\n${out(r)}`).toEqual([]);
      expect.soft(files.length, `${name}: the C0 worktree has no env file at all`).toBeGreaterThan(0);
      // status from inside, through the main checkout's runtime.
      const st = sh(
        wt,
        'sh',
        [
          '-c',
          'node "$(git worktree list --porcelain | head -n 1 | cut -c 10-)/.claude/hooks/neon-worktree.mjs" status',
        ],
        env,
      );
      expect.soft(st.code, `${name}: status in the C0 worktree:\n${out(st)}`).toBe(0);
      expect.soft(`${st.stdout}${st.stderr}`, `${name}: status printed the password`).not.toContain(parent.password);
      // WorktreeRemove: the worktree is clean (its env files are ignored), so it goes, and its Neon branch with it.
      const rm = sh(
        repo,
        'node',
        [runtime(), 'worktree-remove'],
        { ...env, CLAUDE_PROJECT_DIR: repo },
        JSON.stringify({ worktree_path: wt }),
      );
      expect(rm.code, out(rm)).toBe(0);
      expect(
        fs.existsSync(wt),
        `${name}: WorktreeRemove kept the clean C0 worktree:\n${out(rm)}\ngit status:\n${fs.existsSync(wt) ? g(wt, 'status', '--porcelain', '--untracked-files=all') : ''}`,
      ).toBe(false);
      if (own) {
        const still = (await ln.local.listBranches()).some((b) => b.id === own.branchId);
        expect(still, `${name}: WorktreeRemove left Neon branch ${own.name}:\n${out(rm)}`).toBe(false);
      }
      expect(await ownBranchOf(ln, repo)).toBeNull(); // the main checkout never has an agent branch of its own
    });
  });
}
