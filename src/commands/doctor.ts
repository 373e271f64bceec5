// `create-neon-agents doctor [dir] [--json] [--no-verify]`: diagnose a setup. Every finding names its fix; the
// exit code is 1 when any problem (not a mere warning) is found.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { bold, dim, green, red, yellow } from 'kolorist';
import type { Options } from '../options.ts';
import { detect } from './init.ts';
import { MANIFEST_PATH, RUNTIME_PATH } from '../shared/manifest.ts';
import { readText, fileMode, readJson } from '../detect/fs.ts';
import { cleanGitEnv, gitStatus } from '../git.ts';
import { listWorktrees } from '../runtime/git.ts';
import { parseSettings, OUR_MARKER, foreignWorktreeCreate } from '../edits/settings.ts';
import { validateAgentFile } from '../validate/agent.ts';
import { verifyProject, NEON_CLI_INSTALL } from '../detect/neon-cli.ts';
import { parseEnv } from '../shared/env-file.ts';
import { BLOCK_START, huskyDir, LEFTHOOK_FILES } from '../hooks/git-hook.ts';
import { sha256, CONFLICT_MARKERS } from '../plan/plan.ts';
import { readBranchRecords } from '../detect/branch-records.ts';
import { CliError } from '../errors.ts';

export type Level = 'ok' | 'warn' | 'problem';

/** A path as a shell word, so a fix can be pasted even when the path has spaces. */
const sh = (p: string) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);

export interface Finding {
  check: string;
  level: Level;
  message: string;
  fix?: string;
}

export interface DoctorContext {
  options: Options;
  env: NodeJS.ProcessEnv;
  cwd: string;
  version: string;
}

const MIN_NEON_CLI = [2, 0, 0];

function versionAtLeast(v: string, min: number[]): boolean {
  const parts = v.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < min.length; i++) {
    if ((parts[i] ?? 0) > min[i]) return true;
    if ((parts[i] ?? 0) < min[i]) return false;
  }
  return true;
}

export async function diagnose(ctx: DoctorContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (check: string, level: Level, message: string, fix?: string) => findings.push({ check, level, message, ...(fix ? { fix } : {}) });

  let d;
  try {
    d = detect(path.resolve(ctx.cwd, ctx.options.dir ?? '.'), ctx.env);
  } catch (e) {
    if (e instanceof CliError && e.exitCode === 2) {
      add('git', 'problem', e.message.split('. ')[0], 'run `git init` (or cd into your repository) and then `npm create neon-agents@latest`');
      return findings;
    }
    add('manifest', 'problem', (e as Error).message, `delete ${MANIFEST_PATH} and run create-neon-agents again`);
    return findings;
  }
  const { repo, manifest } = d;
  add('git', 'ok', `git work tree at ${repo.root}`);
  if (!manifest) {
    add('manifest', 'problem', `not set up: no ${MANIFEST_PATH}`, 'run `npm create neon-agents@latest`');
    return findings;
  }
  add('manifest', 'ok', `set up by create-neon-agents ${manifest.version}${manifest.version !== ctx.version ? ` (this is ${ctx.version}: \`npm create neon-agents@latest -- --yes\` upgrades)` : ''}`);
  const a = manifest.answers;

  // The runtime.
  const runtimeText = readText(path.join(repo.root, RUNTIME_PATH));
  if (runtimeText === null) add('runtime', 'problem', `${RUNTIME_PATH} is missing`, 'run `npm create neon-agents@latest -- --yes --restore`');
  else if (manifest.files[RUNTIME_PATH] && sha256(runtimeText) !== manifest.files[RUNTIME_PATH].sha256) {
    add('runtime', 'warn', `${RUNTIME_PATH} differs from what create-neon-agents wrote`, 'if you did not mean to edit it: `npm create neon-agents@latest -- --yes --force`');
  } else add('runtime', 'ok', `${RUNTIME_PATH} present`);

  // The git hook, where git will really look for it: the file git runs must exist and be runnable, and what it
  // runs (our block, husky's script, lefthook / simple-git-hooks / pre-commit config) must call the runtime.
  if (a.gitHook) {
    const hook = path.join(repo.hooksDir, 'post-checkout');
    const text = readText(hook);
    const shown = path.relative(repo.root, hook).startsWith('..') ? hook : path.relative(repo.root, hook);
    const runner = repo.coreHooksPath ? readText(path.resolve(repo.root, repo.coreHooksPath, 'h')) : null;
    const husky = huskyDir(repo.root, repo.coreHooksPath, runner !== null);
    const calls = (t: string | null | undefined) => Boolean(t && t.includes('neon-worktree.mjs'));
    const lefthook = LEFTHOOK_FILES.map((f) => readText(path.join(repo.root, f))).find((t) => t != null);
    const pkg = readJson<Record<string, unknown>>(path.join(repo.root, 'package.json'));
    const sgh = pkg?.['simple-git-hooks'] as Record<string, string> | undefined;
    const preCommit = readText(path.join(repo.root, '.pre-commit-config.yaml'));
    const legacy = readText(`${hook}.legacy`); // pre-commit's migration mode keeps running the previous hook
    const fileProblem = (): boolean => {
      if (text === null) return false;
      if (text.includes('\r')) {
        add('git-hook', 'problem', `${shown} has CRLF line endings: git fails to run it ("cannot run … No such file or directory")`, `convert it to LF: sed -i 's/\\r$//' ${sh(shown)}`);
        return true;
      }
      if (((fileMode(hook) ?? 0) & 0o111) === 0) {
        add('git-hook', 'problem', `${shown} is not executable, so git ignores it`, `chmod +x ${sh(shown)}`);
        return true;
      }
      return false;
    };
    if (husky) {
      const rel = path.relative(repo.root, path.join(husky, 'post-checkout'));
      const script = readText(path.join(husky, 'post-checkout'));
      if (!script?.includes(BLOCK_START)) add('git-hook', 'problem', `husky is in use (core.hooksPath) but ${rel} has no create-neon-agents block`, 'run `npm create neon-agents@latest -- --yes`');
      else if (text === null) add('git-hook', 'problem', `husky's runner ${shown} is missing, so git runs no post-checkout hook in this clone`, 'run `npm install` (husky\'s prepare script installs it)');
      else if (!fileProblem()) add('git-hook', 'ok', `husky runs ${rel}, which calls the runtime`);
    } else if (text !== null && (text.includes(BLOCK_START) || calls(text) || calls(legacy))) {
      if (!fileProblem()) add('git-hook', 'ok', `${shown} runs the runtime for new worktrees${text.includes(BLOCK_START) ? '' : ' (through your hook manager)'}`);
    } else if (calls(lefthook) || calls(sgh?.['post-checkout']) || calls(preCommit)) {
      const manager = calls(lefthook) ? 'lefthook' : calls(sgh?.['post-checkout']) ? 'simple-git-hooks' : 'pre-commit';
      const install = { lefthook: 'npx lefthook install', 'simple-git-hooks': 'npx simple-git-hooks', 'pre-commit': 'pre-commit install -t post-checkout' }[manager];
      if (text === null || !/lefthook|simple-git-hooks|pre-commit|pre_commit/i.test(text)) {
        add('git-hook', 'problem', `${manager}'s config calls the runtime, but ${manager} has not installed ${shown}`, install);
      } else if (!fileProblem()) add('git-hook', 'ok', `${manager} runs the runtime on post-checkout`);
    } else if (text === null) {
      add('git-hook', 'problem', `no post-checkout hook at ${shown}${repo.coreHooksPath ? ` (core.hooksPath = ${repo.coreHooksPath})` : ''}`, 'run `npm create neon-agents@latest -- --yes`');
    } else {
      add('git-hook', 'problem', `${shown} exists but does not call create-neon-agents`, 'run `npm create neon-agents@latest -- --yes` (your hook keeps running)');
    }
  }

  // Claude Code's hooks.
  if (a.claudeHooks) {
    const file = path.join(repo.root, '.claude/settings.json');
    const text = readText(file);
    if (text === null) add('claude-hooks', 'problem', '.claude/settings.json is missing', 'run `npm create neon-agents@latest -- --yes`');
    else {
      try {
        const s = parseSettings(text);
        const has = (ev: string) => (s.hooks?.[ev] ?? []).some((g) => (g.hooks ?? []).some((h) => h.command?.includes(OUR_MARKER)));
        const missing = ['WorktreeCreate', 'WorktreeRemove'].filter((ev) => !has(ev));
        const foreign = foreignWorktreeCreate(s);
        if (missing.length && foreign) {
          add('claude-hooks', 'warn', `.claude/settings.json has another tool's WorktreeCreate hook (${foreign}), so ours is not installed`, `have that hook run \`node ${RUNTIME_PATH} ensure\` inside each worktree it creates`);
        } else if (missing.length) add('claude-hooks', 'problem', `.claude/settings.json lacks our ${missing.join(' and ')} hook`, 'run `npm create neon-agents@latest -- --yes`');
        else add('claude-hooks', 'ok', 'WorktreeCreate and WorktreeRemove hooks call the runtime');
      } catch (e) {
        add('claude-hooks', 'problem', (e as Error).message, 'fix the JSON (Claude Code ignores the whole file while it is invalid)');
      }
    }
  }

  // Agent files.
  for (const role of a.roles) {
    const rel = `.claude/agents/${role}.md`;
    const t = readText(path.join(repo.root, rel));
    if (t === null) add('agents', 'warn', `${rel} is missing`, 'run `npm create neon-agents@latest -- --yes --restore`');
    else {
      const v = validateAgentFile(t);
      if (CONFLICT_MARKERS.test(t)) add('agents', 'problem', `${rel} still has conflict markers from an upgrade`, 'resolve the <<<<<<< … >>>>>>> blocks, then commit');
      else if (!v.ok) add('agents', 'problem', `${rel}: ${v.errors.join('; ')}`, 'fix the frontmatter (Claude Code silently skips invalid agent files)');
      else add('agents', 'ok', `${rel} is valid`);
    }
  }

  // The env file: ignored by git, not tracked.
  const envRel = a.envFile;
  if (gitStatus(repo.mainRoot, ['ls-files', '--error-unmatch', '--', envRel]) === 0) {
    add('env-file', 'problem', `${envRel} is tracked by git: secrets in it would be committed`, `git rm --cached ${envRel}`);
  } else if (gitStatus(repo.mainRoot, ['check-ignore', '-q', '--no-index', envRel]) !== 0) {
    add('env-file', 'problem', `${envRel} is not ignored by git`, `echo "/${envRel}" >> .gitignore`);
  } else add('env-file', 'ok', `${envRel} is ignored by git`);

  // The Neon CLI.
  const cli = d.neonCli;
  if (!cli) add('neon-cli', 'problem', 'the Neon CLI (neon or neonctl) is not on PATH', NEON_CLI_INSTALL.join('  or  '));
  else if (cli.version && !versionAtLeast(cli.version, MIN_NEON_CLI)) {
    add('neon-cli', 'problem', `${cli.name} ${cli.version} is too old (need ${MIN_NEON_CLI.join('.')} or newer)`, 'npm i -g neonctl@latest');
  } else add('neon-cli', 'ok', `${cli.name} ${cli.version ?? '(version unknown)'} at ${cli.bin}`);

  // Credentials: present (never printed) and, online, working.
  const envValues = parseEnv(readText(path.join(repo.mainRoot, envRel)) ?? '');
  const key = ctx.env.NEON_API_KEY || envValues.get('NEON_API_KEY') || undefined;
  const projectId = ctx.env.NEON_PROJECT_ID || envValues.get('NEON_PROJECT_ID') || a.projectId;
  const configDir = ctx.env.NEON_CONFIG_DIR || path.join(ctx.env.HOME ?? '', '.config', 'neon');
  const login = existsSync(path.join(configDir, 'credentials.json'));
  if (!key && !login) {
    add('credentials', 'problem', 'no NEON_API_KEY (environment or ' + envRel + ') and no Neon CLI login', `run \`neon auth\`, or add NEON_API_KEY to ${envRel}`);
  } else {
    add('credentials', 'ok', key ? `API key present (${ctx.env.NEON_API_KEY ? 'environment' : envRel}; not shown)` : 'using the Neon CLI login');
    if (ctx.options.verify && cli) {
      const v = await verifyProject(cli, projectId, key, ctx.env);
      if (v.ok) add('credentials', 'ok', `Neon project ${projectId} reachable with these credentials`);
      else if (v.kind === 'unreachable') add('credentials', 'warn', `could not reach Neon to verify (${v.message})`, 'check the network, or run with --no-verify');
      else add('credentials', 'problem', `${v.message}`, v.kind === 'rejected' ? 'create a new API key in the Neon Console and put it in ' + envRel : `check NEON_PROJECT_ID (${projectId})`);
    }
  }

  // Worktrees without a Neon branch.
  const records = readBranchRecords(repo.commonDir);
  const linked = listWorktrees(repo.root)
    .filter((w) => !w.bare)
    .slice(1) // the main checkout
    .map((w) => w.path)
    .filter((p) => existsSync(p));
  for (const wt of linked) {
    const hasRecord = records.some((r) => r.worktreePath === wt);
    const url = parseEnv(readText(path.join(wt, envRel)) ?? '').get('DATABASE_URL');
    if (!hasRecord) {
      add('worktrees', 'warn', `worktree ${wt} has no Neon branch of its own${url ? ' (its DATABASE_URL may be shared)' : ''}`, `cd ${sh(wt)} && node ${RUNTIME_PATH} ensure`);
    }
  }
  if (linked.length && !findings.some((f) => f.check === 'worktrees')) add('worktrees', 'ok', `${linked.length} linked worktree(s), each with its own Neon branch`);

  // Neon branches of ours without a worktree (asks Neon, so only when verifying).
  if (ctx.options.verify && cli && (key || login) && runtimeText !== null) {
    try {
      const out = execFileSync('node', [path.join(repo.root, RUNTIME_PATH), 'prune'], {
        cwd: repo.root,
        env: cleanGitEnv(ctx.env),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
      const orphans = out.split('\n').filter((l) => l.startsWith('orphan '));
      if (orphans.length) {
        add('orphans', 'warn', `${orphans.length} Neon branch(es) of this clone have no git branch or worktree left: ${orphans.map((l) => l.split(' ')[1]).join(', ')}`, `node ${RUNTIME_PATH} prune --yes`);
      } else add('orphans', 'ok', 'no orphaned Neon branches from this clone');
    } catch (e) {
      add('orphans', 'warn', `could not list Neon branches: ${String((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split('\n').pop()}`);
    }
  }
  return findings;
}


export async function runDoctor(ctx: DoctorContext): Promise<number> {
  const findings = await diagnose(ctx);
  const problems = findings.filter((f) => f.level === 'problem').length;
  const warnings = findings.filter((f) => f.level === 'warn').length;
  if (ctx.options.json) {
    process.stdout.write(JSON.stringify({ ok: problems === 0, problems, warnings, findings }, null, 2) + '\n');
  } else {
    const mark = { ok: green('✔'), warn: yellow('!'), problem: red('✘') };
    for (const f of findings) {
      process.stdout.write(`${mark[f.level]} ${bold(f.check.padEnd(12))} ${f.message}\n`);
      if (f.fix && f.level !== 'ok') process.stdout.write(`  ${' '.repeat(12)} ${dim('fix:')} ${f.fix}\n`);
    }
    process.stdout.write(`\n${problems ? red(`${problems} problem(s)`) : green('No problems')}${warnings ? `, ${warnings} warning(s)` : ''}.\n`);
  }
  return problems ? 1 : 0;
}
