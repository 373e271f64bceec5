// `create-neon-agents doctor [dir] [--json] [--no-verify]`: diagnose a setup. Every finding names its fix; the
// exit code is 1 when any problem (not a mere warning) is found.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { bold, dim, green, red, yellow } from 'kolorist';
import type { Options } from '../options.ts';
import { detect } from '../detect/index.ts';
import { dbVars, MANIFEST_PATH, RUNTIME_PATH } from '../shared/manifest.ts';
import { ENV_FILES_LS_ARGS, envFilesFrom } from '../shared/env-files.ts';
import { readText, fileMode, readJson } from '../detect/fs.ts';
import { cleanGitEnv, gitStatus } from '../git.ts';
import { listWorktrees } from '../runtime/git.ts';
import { parseSettings, OUR_MARKER, foreignWorktreeCreate } from '../edits/settings.ts';
import { validateAgentFile } from '../validate/agent.ts';
import { verifyProject } from '../detect/neon-cli.ts';
import { NEON_CLI_INSTALL, NEON_CLI_MIN_VERSION, versionAtLeast } from '../shared/neon-cli.ts';
import { parseEnv } from '../shared/env-file.ts';
import { BLOCK_START, huskyDir, declaredHuskyDir, LEFTHOOK_FILES } from '../hooks/git-hook.ts';
import {
  excludeLines,
  upsertExcludeBlock,
  hasExcludeBlock,
  removeExcludeBlock,
  ignoredBy,
  EXCLUDE_DISPLAY,
} from '../edits/exclude.ts';
import { targetFromEnv, findLeaks, withoutOwnPasswords } from '../shared/db-targets.ts';
import { secretManagerScripts } from '../detect/project.ts';
import { sha256, CONFLICT_MARKERS, WORKTREES_DIR } from '../plan/plan.ts';
import { readBranchRecords } from '../detect/branch-records.ts';
import { CliError } from '../errors.ts';

export type Level = 'ok' | 'warn' | 'problem';

/** A path as a shell word, so a fix can be pasted even when the path has spaces. */
const sh = (p: string) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);

/**
 * How to run create-neon-agents again, as a fix: `npm create neon-agents@latest …`, and (the package is not on the
 * npm registry yet) the command that runs this very copy, which works today.
 */
export function rerun(args = '', self: string | undefined = process.argv[1]): string {
  const published = `\`npm create neon-agents@latest${args ? ` -- ${args}` : ''}\``;
  return self
    ? `${published} (until it is on the npm registry: \`node ${sh(self)}${args ? ` ${args}` : ''}\`)`
    : published;
}

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

/**
 * The main checkout's env text that names the shared database: the runtime's saved original while the main checkout
 * visits an agent branch (`neon-agents/parent-env.json`), else its env file.
 */
function sharedEnvText(commonDir: string, mainEnvFile: string): string {
  const saved = readJson<{ original?: unknown }>(path.join(commonDir, 'neon-agents', 'parent-env.json'));
  if (saved && typeof saved.original === 'string' && saved.original) return saved.original;
  return readText(mainEnvFile) ?? '';
}

/**
 * A worktree's env files (worktree-relative): the configured one, and the untracked `.env*` files git lists there
 * (ignored or not; not in node_modules, not Claude's nested worktrees, not `.example`/`.sample`/`.template`).
 */
function worktreeEnvFiles(wt: string, envRel: string): string[] {
  let out = '';
  try {
    out = execFileSync('git', ENV_FILES_LS_ARGS, {
      cwd: wt,
      env: cleanGitEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    /* not a git work tree any more: only the configured file */
  }
  return [...new Set([envRel, ...envFilesFrom(out)])];
}

/** Whether `rel` is ignored only by our block in info/exclude (not by a .gitignore, a line of the user's, or core.excludesFile). */
function onlyOurExcludeIgnores(root: string, commonDir: string, rel: string): boolean {
  let out = '';
  try {
    out = execFileSync('git', ['check-ignore', '-v', '--no-index', '--', rel], {
      cwd: root,
      env: cleanGitEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return false;
  }
  const source = out.slice(0, out.search(/:\d+:/));
  const exclude = path.join(commonDir, 'info', 'exclude');
  if (path.resolve(root, source) !== exclude) return false;
  const user = removeExcludeBlock(readText(exclude) ?? '').split(/\r?\n/);
  return !ignoredBy(user, rel);
}

/** Package scripts that supply their own secrets or load another env file (the detector in src/detect/project.ts). */
function packageScriptsBypassingEnv(root: string, envRel: string): { script: string; reason: string }[] {
  try {
    return secretManagerScripts(root, envRel);
  } catch {
    return [];
  }
}

export async function diagnose(ctx: DoctorContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (check: string, level: Level, message: string, fix?: string) =>
    findings.push({ check, level, message, ...(fix ? { fix } : {}) });

  let d: ReturnType<typeof detect>;
  try {
    d = detect(path.resolve(ctx.cwd, ctx.options.dir ?? '.'), ctx.env);
  } catch (e) {
    if (e instanceof CliError && e.exitCode === 2) {
      add(
        'git',
        'problem',
        e.message.split('. ')[0],
        `run \`git init\` (or cd into your repository) and then ${rerun()}`,
      );
      return findings;
    }
    add('manifest', 'problem', (e as Error).message, `delete ${MANIFEST_PATH} and run create-neon-agents again`);
    return findings;
  }
  const { repo, manifest } = d;
  add('git', 'ok', `git work tree at ${repo.root}`);
  if (!manifest) {
    add('manifest', 'problem', `not set up: no ${MANIFEST_PATH}`, `run ${rerun()}`);
    return findings;
  }
  add(
    'manifest',
    'ok',
    `set up by create-neon-agents ${manifest.version}${manifest.version !== ctx.version ? ` (this is ${ctx.version}: ${rerun('--yes')} upgrades)` : ''}`,
  );
  const a = manifest.answers;

  // The runtime.
  const runtimeText = readText(path.join(repo.root, RUNTIME_PATH));
  if (runtimeText === null) add('runtime', 'problem', `${RUNTIME_PATH} is missing`, `run ${rerun('--yes --restore')}`);
  else if (manifest.files[RUNTIME_PATH] && sha256(runtimeText) !== manifest.files[RUNTIME_PATH].sha256) {
    add(
      'runtime',
      'warn',
      `${RUNTIME_PATH} differs from what create-neon-agents wrote`,
      `if you did not mean to edit it: ${rerun('--yes --force')}`,
    );
  } else add('runtime', 'ok', `${RUNTIME_PATH} present`);

  // The git hook, where git will really look for it: the file git runs must exist and be runnable, and what it
  // runs (our block, husky's script, lefthook / simple-git-hooks / pre-commit config) must call the runtime.
  if (a.gitHook) {
    const hook = path.join(repo.hooksDir, 'post-checkout');
    const text = readText(hook);
    const shown = path.relative(repo.root, hook).startsWith('..') ? hook : path.relative(repo.root, hook);
    const runner = repo.coreHooksPath ? readText(path.resolve(repo.root, repo.coreHooksPath, 'h')) : null;
    const husky = huskyDir(repo.root, repo.coreHooksPath, runner !== null);
    // husky in package.json, but no install ran in this clone yet (core.hooksPath unset): our block waits in its folder.
    const declared =
      husky || repo.coreHooksPath ? null : declaredHuskyDir(repo.root, readText(path.join(repo.root, 'package.json')));
    const declaredScript = declared ? readText(path.join(declared, 'post-checkout')) : null;
    const calls = (t: string | null | undefined) => Boolean(t?.includes('neon-worktree.mjs'));
    const lefthook = LEFTHOOK_FILES.map((f) => readText(path.join(repo.root, f))).find((t) => t != null);
    const pkg = readJson<Record<string, unknown>>(path.join(repo.root, 'package.json'));
    const sgh = pkg?.['simple-git-hooks'] as Record<string, string> | undefined;
    const preCommit = readText(path.join(repo.root, '.pre-commit-config.yaml'));
    const legacy = readText(`${hook}.legacy`); // pre-commit's migration mode keeps running the previous hook
    const fileProblem = (): boolean => {
      if (text === null) return false;
      if (text.includes('\r')) {
        add(
          'git-hook',
          'problem',
          `${shown} has CRLF line endings: git fails to run it ("cannot run … No such file or directory")`,
          `convert it to LF: sed -i 's/\\r$//' ${sh(shown)}`,
        );
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
      if (!script?.includes(BLOCK_START))
        add(
          'git-hook',
          'problem',
          `husky is in use (core.hooksPath) but ${rel} has no create-neon-agents block`,
          `run ${rerun('--yes')}`,
        );
      else if (text === null)
        add(
          'git-hook',
          'problem',
          `husky's runner ${shown} is missing, so git runs no post-checkout hook in this clone`,
          "run `npm install` (husky's prepare script installs it)",
        );
      else if (!fileProblem()) add('git-hook', 'ok', `husky runs ${rel}, which calls the runtime`);
    } else if (declared && declaredScript?.includes(BLOCK_START) && !(text ?? '').includes(BLOCK_START)) {
      const rel = path.relative(repo.root, path.join(declared, 'post-checkout'));
      add(
        'git-hook',
        'problem',
        `husky is declared in package.json but not installed in this clone (core.hooksPath is unset), so git does not run ${rel} yet: \`git worktree add\` gets no Neon branch`,
        `${d.pm.install} (husky's prepare script points git at ${path.relative(repo.root, declared) || '.'})`,
      );
    } else if (text !== null && (text.includes(BLOCK_START) || calls(text) || calls(legacy))) {
      if (!fileProblem())
        add(
          'git-hook',
          'ok',
          `${shown} runs the runtime for new worktrees${text.includes(BLOCK_START) ? '' : ' (through your hook manager)'}`,
        );
    } else if (calls(lefthook) || calls(sgh?.['post-checkout']) || calls(preCommit)) {
      const manager = calls(lefthook) ? 'lefthook' : calls(sgh?.['post-checkout']) ? 'simple-git-hooks' : 'pre-commit';
      const install = {
        lefthook: 'npx lefthook install',
        'simple-git-hooks': 'npx simple-git-hooks',
        'pre-commit': 'pre-commit install -t post-checkout',
      }[manager];
      if (text === null || !/lefthook|simple-git-hooks|pre-commit|pre_commit/i.test(text)) {
        add(
          'git-hook',
          'problem',
          `${manager}'s config calls the runtime, but ${manager} has not installed ${shown}`,
          install,
        );
      } else if (!fileProblem()) add('git-hook', 'ok', `${manager} runs the runtime on post-checkout`);
    } else if (text === null) {
      add(
        'git-hook',
        'problem',
        `no post-checkout hook at ${shown}${repo.coreHooksPath ? ` (core.hooksPath = ${repo.coreHooksPath})` : ''}`,
        `run ${rerun('--yes')}`,
      );
    } else {
      add(
        'git-hook',
        'problem',
        `${shown} exists but does not call create-neon-agents`,
        `run ${rerun('--yes')} (your hook keeps running)`,
      );
    }
  }

  // Claude Code's hooks.
  if (a.claudeHooks) {
    const file = path.join(repo.root, '.claude/settings.json');
    const text = readText(file);
    if (text === null) add('claude-hooks', 'problem', '.claude/settings.json is missing', `run ${rerun('--yes')}`);
    else {
      try {
        const s = parseSettings(text);
        const has = (ev: string) =>
          (s.hooks?.[ev] ?? []).some((g) => (g.hooks ?? []).some((h) => h.command?.includes(OUR_MARKER)));
        const missing = ['WorktreeCreate', 'WorktreeRemove'].filter((ev) => !has(ev));
        const foreign = foreignWorktreeCreate(s);
        if (missing.length && foreign) {
          add(
            'claude-hooks',
            'warn',
            `.claude/settings.json has another tool's WorktreeCreate hook (${foreign}), so ours is not installed`,
            `have that hook run \`node ${RUNTIME_PATH} ensure\` inside each worktree it creates`,
          );
        } else if (missing.length)
          add(
            'claude-hooks',
            'problem',
            `.claude/settings.json lacks our ${missing.join(' and ')} hook`,
            `run ${rerun('--yes')}`,
          );
        else add('claude-hooks', 'ok', 'WorktreeCreate and WorktreeRemove hooks call the runtime');
      } catch (e) {
        add(
          'claude-hooks',
          'problem',
          (e as Error).message,
          'fix the JSON (Claude Code ignores the whole file while it is invalid)',
        );
      }
    }
  }

  // Agent files.
  for (const role of a.roles) {
    const rel = `.claude/agents/${role}.md`;
    const t = readText(path.join(repo.root, rel));
    if (t === null) add('agents', 'warn', `${rel} is missing`, `run ${rerun('--yes --restore')}`);
    else {
      const v = validateAgentFile(t);
      if (CONFLICT_MARKERS.test(t))
        add(
          'agents',
          'problem',
          `${rel} still has conflict markers from an upgrade`,
          'resolve the <<<<<<< … >>>>>>> blocks, then commit',
        );
      else if (!v.ok)
        add(
          'agents',
          'problem',
          `${rel}: ${v.errors.join('; ')}`,
          'fix the frontmatter (Claude Code silently skips invalid agent files)',
        );
      else add('agents', 'ok', `${rel} is valid`);
    }
  }

  // The env file: ignored by git, not tracked.
  const envRel = a.envFile;
  if (gitStatus(repo.mainRoot, ['ls-files', '--error-unmatch', '--', envRel]) === 0) {
    add(
      'env-file',
      'problem',
      `${envRel} is tracked by git: secrets in it would be committed`,
      `git rm --cached ${envRel}`,
    );
  } else if (gitStatus(repo.mainRoot, ['check-ignore', '-q', '--no-index', envRel]) !== 0) {
    add('env-file', 'problem', `${envRel} is not ignored by git`, `echo "/${envRel}" >> .gitignore`);
  } else if (onlyOurExcludeIgnores(repo.mainRoot, repo.commonDir, envRel)) {
    // Ignored here only by our block in this clone's info/exclude: other clones (and this one's worktrees, once
    // their branch has the committed files) rely on .gitignore.
    add(
      'env-file',
      'problem',
      `${envRel} is not ignored by .gitignore (only by this clone's ${EXCLUDE_DISPLAY}): other clones would commit it`,
      `echo "/${envRel}" >> .gitignore`,
    );
  } else add('env-file', 'ok', `${envRel} is ignored by git`);

  // Credentials: present (never printed) and, online, working.
  const envValues = parseEnv(readText(path.join(repo.mainRoot, envRel)) ?? '');
  const key = ctx.env.NEON_API_KEY || envValues.get('NEON_API_KEY') || undefined;

  // The Neon CLI: the runtime calls the Neon API itself, so the CLI is needed only for its login (no API key).
  const cli = d.neonCli;
  if (!cli) {
    if (key)
      add(
        'neon-cli',
        'ok',
        'the Neon CLI is not installed, and not needed: with an API key the runtime calls the Neon API directly (install it only for `neon auth` logins)',
      );
    else
      add(
        'neon-cli',
        'problem',
        'the Neon CLI (neon or neonctl) is not installed (PATH or node_modules/.bin), and there is no API key: the runtime has no way to authenticate',
        `${NEON_CLI_INSTALL.join('  or  ')}, then neon auth; or add NEON_API_KEY to ${envRel}`,
      );
  } else if (cli.version && !versionAtLeast(cli.version, NEON_CLI_MIN_VERSION)) {
    add(
      'neon-cli',
      key ? 'warn' : 'problem',
      `${cli.name} ${cli.version} is too old (need ${NEON_CLI_MIN_VERSION} or newer)${key ? '; only its login would use it' : ''}`,
      `${NEON_CLI_INSTALL[0]}@latest`,
    );
  } else add('neon-cli', 'ok', `${cli.name} ${cli.version ?? '(version unknown)'} at ${cli.bin}`);

  const projectId = ctx.env.NEON_PROJECT_ID || envValues.get('NEON_PROJECT_ID') || a.projectId;
  const configDir = ctx.env.NEON_CONFIG_DIR || path.join(ctx.env.HOME ?? '', '.config', 'neon');
  const login = existsSync(path.join(configDir, 'credentials.json'));
  if (!key && !login) {
    add(
      'credentials',
      'problem',
      'no NEON_API_KEY (environment or ' + envRel + ') and no Neon CLI login',
      `run \`neon auth\`, or add NEON_API_KEY to ${envRel}`,
    );
  } else {
    add(
      'credentials',
      'ok',
      key
        ? `API key present (${ctx.env.NEON_API_KEY ? 'environment' : envRel}; not shown)`
        : 'using the Neon CLI login',
    );
    if (ctx.options.verify && (cli || key)) {
      const v = await verifyProject(cli, projectId, key, ctx.env);
      if (v.ok) add('credentials', 'ok', `Neon project ${projectId} reachable with these credentials`);
      else if (v.kind === 'unreachable')
        add(
          'credentials',
          'warn',
          `could not reach Neon to verify (${v.message})`,
          'check the network, or run with --no-verify',
        );
      else
        add(
          'credentials',
          'problem',
          `${v.message}`,
          v.kind === 'rejected'
            ? 'create a new API key in the Neon Console and put it in ' + envRel
            : `check NEON_PROJECT_ID (${projectId})`,
        );
    }
  }

  // The clone's own ignore file: worktrees made before the setup is pushed (Claude Code bases them on origin/HEAD)
  // have no committed .gitignore lines, so only $GIT_COMMON_DIR/info/exclude keeps their env files out of commits.
  {
    const excludeText = readText(path.join(repo.commonDir, 'info', 'exclude'));
    const lines = excludeLines(excludeText, envRel, WORKTREES_DIR);
    if (!lines.length) add('exclude', 'ok', `${EXCLUDE_DISPLAY} already ignores the env files and ${WORKTREES_DIR}`);
    else if (upsertExcludeBlock(excludeText, lines) === (excludeText ?? ''))
      add('exclude', 'ok', `${EXCLUDE_DISPLAY} ignores the worktrees' env files, also before the setup is pushed`);
    else {
      add(
        'exclude',
        'warn',
        `${EXCLUDE_DISPLAY} ${hasExcludeBlock(excludeText) ? 'has an out-of-date create-neon-agents block' : 'lacks the create-neon-agents block'}: a worktree made from origin/HEAD before the setup is pushed would not ignore its ${envRel} (with its database password)`,
        `run ${rerun('--yes')}`,
      );
    }
  }

  // The promise itself, per linked worktree: no value in any of its env files reaches the shared database, its env
  // file is ignored there, and the runtime the hooks call is reachable. Keys and reasons only: never a value.
  const records = readBranchRecords(repo.commonDir);
  const endpoints = new Map(records.filter((r) => r.endpointId).map((r) => [r.worktreePath, r.endpointId!]));
  const linked = listWorktrees(repo.root, ctx.env)
    .filter((w) => !w.bare)
    .slice(1) // the main checkout
    .map((w) => w.path)
    .filter((p) => existsSync(p));
  const target = targetFromEnv(sharedEnvText(repo.commonDir, path.join(repo.mainRoot, envRel)), dbVars(a));
  const hasTarget = target.endpointIds.size + target.hostPorts.size + target.passwords.size > 0;
  const mainRuntime = path.join(repo.mainRoot, RUNTIME_PATH);
  const ensure = (wt: string) => `cd ${sh(wt)} && node ${sh(mainRuntime)} ensure`;
  let isolationProblems = 0;
  for (const wt of linked) {
    const hasRecord = records.some((r) => r.worktreePath === wt);
    const url = parseEnv(readText(path.join(wt, envRel)) ?? '').get(a.databaseUrlVar || 'DATABASE_URL');
    if (!hasRecord) {
      add(
        'worktrees',
        'warn',
        `worktree ${wt} has no Neon branch of its own${url ? ` (its ${a.databaseUrlVar || 'DATABASE_URL'} may be shared)` : ''}`,
        ensure(wt),
      );
    }
    const problem = (message: string, fix: string) => {
      isolationProblems++;
      add('isolation', 'problem', message, fix);
    };
    if (!existsSync(mainRuntime) && !existsSync(path.join(wt, RUNTIME_PATH))) {
      problem(
        `worktree ${wt}: the runtime is unreachable (neither it nor the main checkout has ${RUNTIME_PATH}), so its hooks cannot give it a branch`,
        `run ${rerun('--yes --restore')} in the main checkout`,
      );
    }
    const own = endpoints.get(wt) ?? null;
    const envFiles = worktreeEnvFiles(wt, envRel);
    const wtTarget = withoutOwnPasswords(
      target,
      envFiles.map((rel) => readText(path.join(wt, rel)) ?? ''),
      own,
    );
    for (const rel of envFiles) {
      const text = readText(path.join(wt, rel));
      if (text === null) continue;
      const leaks = hasTarget ? findLeaks(text, wtTarget, own) : [];
      if (leaks.length) {
        const why = [...new Set(leaks.map((l) => l.why))].join('; ');
        problem(
          `worktree ${wt}: ${rel} reaches the shared database: ${leaks.map((l) => l.key).join(', ')} (${why})`,
          ensure(wt),
        );
      }
      if (parseEnv(text).has('NEON_API_KEY')) {
        problem(
          `worktree ${wt}: ${rel} holds NEON_API_KEY, the management key, which stays in the main checkout`,
          ensure(wt),
        );
      }
    }
    if (existsSync(path.join(wt, envRel))) {
      if (gitStatus(wt, ['ls-files', '--error-unmatch', '--', envRel]) === 0) {
        problem(
          `worktree ${wt}: ${envRel} is tracked by git there, so its database password would be committed`,
          `cd ${sh(wt)} && git rm --cached ${sh(envRel)}`,
        );
      } else if (gitStatus(wt, ['check-ignore', '-q', '--no-index', '--', envRel]) !== 0) {
        problem(
          `worktree ${wt}: ${envRel} is not ignored by git there (its branch lacks the .gitignore lines), so an agent's \`git add -A\` would commit its database password`,
          `run ${rerun('--yes')} in the main checkout (it adds the env files to ${EXCLUDE_DISPLAY}), or commit and push the .gitignore`,
        );
      }
    }
  }
  if (linked.length && !findings.some((f) => f.check === 'worktrees'))
    add('worktrees', 'ok', `${linked.length} linked worktree(s), each with its own Neon branch`);
  if (linked.length && !isolationProblems) {
    add(
      'isolation',
      'ok',
      hasTarget
        ? `no env file of the ${linked.length} linked worktree(s) reaches the shared database`
        : `${linked.length} linked worktree(s); the main checkout's ${envRel} names no database to compare with`,
    );
  }

  // Package scripts that bring their own secrets (or load another env file): they reach past the worktree's env file.
  for (const s of packageScriptsBypassingEnv(repo.root, envRel)) {
    add(
      'scripts',
      'warn',
      `package script "${s.script}": ${s.reason}`,
      `run its command with the worktree's ${envRel} loaded (the agent roles do), or make the script read ${envRel}`,
    );
  }

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
        add(
          'orphans',
          'warn',
          `${orphans.length} Neon branch(es) of this clone have no git branch or worktree left: ${orphans.map((l) => l.split(' ')[1]).join(', ')}`,
          `node ${RUNTIME_PATH} prune --yes`,
        );
      } else add('orphans', 'ok', 'no orphaned Neon branches from this clone');
    } catch (e) {
      add(
        'orphans',
        'warn',
        `could not list Neon branches: ${String((e as { stderr?: string }).stderr ?? (e as Error).message)
          .trim()
          .split('\n')
          .pop()}`,
      );
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
    process.stdout.write(
      `\n${problems ? red(`${problems} problem(s)`) : green('No problems')}${warnings ? `, ${warnings} warning(s)` : ''}.\n`,
    );
  }
  return problems ? 1 : 0;
}
