// `create-neon-agents doctor [dir] [--json] [--no-verify]`: diagnose a setup. Every finding names its fix. The
// files' own checks are the managed-file units' (src/files/); here are the checks of the environment they run in
// (credentials, the Neon CLI, every worktree's isolation, orphaned branches). Printing is src/present/'s.
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { Options } from '../options.ts';
import { detect } from '../detect/index.ts';
import { dbVars, MANIFEST_PATH, RUNTIME_PATH } from '../shared/manifest.ts';
import { ENV_FILES_LS_ARGS, envFilesFrom } from '../shared/env-files.ts';
import { readText, readJson } from '../detect/fs.ts';
import { cleanGitEnv, gitStatus } from '../git.ts';
import { listWorktrees } from '../runtime/git.ts';
import { verifyProject } from '../detect/neon-cli.ts';
import { NEON_CLI_INSTALL, NEON_CLI_MIN_VERSION, versionAtLeast } from '../shared/neon-cli.ts';
import { parseEnv } from '../shared/env-file.ts';
import { removeExcludeBlock, ignoredBy, EXCLUDE_DISPLAY } from '../edits/exclude.ts';
import { targetFromEnv, findLeaks, withoutOwnPasswords } from '../shared/db-targets.ts';
import { secretManagerScripts } from '../detect/project.ts';
import { readBranchRecords } from '../detect/branch-records.ts';
import { checkFiles } from '../files/index.ts';
import { shellWord as sh, type Finding, type GitFacts, type Level } from '../files/engine.ts';
import { diskSnapshot } from '../files/snapshot.ts';
import { CliError } from '../errors.ts';
import { findCredentials, type Credentials } from '../runtime/config.ts';
import { LOCAL_SETTINGS_PATH, readDenyRule, USER_CREDENTIALS_DISPLAY } from '../shared/key-store.ts';
import { parseSettings } from '../edits/settings.ts';
import os from 'node:os';

export type { Finding, Level };

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

/** What git says about paths, for the units' checks: asked of git itself. */
function gitFacts(repo: { root: string; commonDir: string; mainRoot: string }): GitFacts {
  return {
    tracked: (cwd, rel) => gitStatus(cwd, ['ls-files', '--error-unmatch', '--', rel]) === 0,
    ignored: (cwd, rel) => gitStatus(cwd, ['check-ignore', '-q', '--no-index', '--', rel]) === 0,
    onlyOurExcludeIgnores(rel) {
      let out = '';
      try {
        out = execFileSync('git', ['check-ignore', '-v', '--no-index', '--', rel], {
          cwd: repo.mainRoot,
          env: cleanGitEnv(),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        return false;
      }
      const source = out.slice(0, out.search(/:\d+:/));
      const excludeFile = path.join(repo.commonDir, 'info', 'exclude');
      if (path.resolve(repo.mainRoot, source) !== excludeFile) return false;
      const user = removeExcludeBlock(readText(excludeFile) ?? '').split(/\r?\n/);
      return !ignoredBy(user, rel);
    },
  };
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

  // What each managed file looks like on disk (src/files/): the runtime, the hooks, the agents, the env files.
  const files = diskSnapshot(repo.root);
  findings.push(...checkFiles({ repo, manifest, pm: d.pm, files, git: gitFacts(repo), rerun: (args) => rerun(args) }));
  const runtimeText = files.read(path.join(repo.root, RUNTIME_PATH));
  const envRel = a.envFile;

  // Credentials, found exactly as the runtime finds them (never printed); where the key lives, and whether an agent
  // could read it there.
  let creds: Credentials | null = null;
  let credsError: string | null = null;
  try {
    creds = findCredentials(repo.mainRoot, a, { env: ctx.env, home: ctx.env.HOME || os.homedir() });
  } catch (e) {
    credsError = (e as Error).message;
  }
  const key = creds?.apiKey ?? undefined;

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
        `${NEON_CLI_INSTALL.join('  or  ')}, then neon auth; or ${rerun('--yes --api-key <key>')}`,
      );
  } else if (cli.version && !versionAtLeast(cli.version, NEON_CLI_MIN_VERSION)) {
    add(
      'neon-cli',
      key ? 'warn' : 'problem',
      `${cli.name} ${cli.version} is too old (need ${NEON_CLI_MIN_VERSION} or newer)${key ? '; only its login would use it' : ''}`,
      `${NEON_CLI_INSTALL[0]}@latest`,
    );
  } else add('neon-cli', 'ok', `${cli.name} ${cli.version ?? '(version unknown)'} at ${cli.bin}`);

  const projectId = creds?.projectId || a.projectId;
  if (credsError)
    add('credentials', 'problem', credsError, 'fix or delete that file, then run ' + rerun('--yes --api-key <key>'));
  else if (!creds) {
    add(
      'credentials',
      'problem',
      `no API key (NEON_API_KEY, ${USER_CREDENTIALS_DISPLAY} or ${envRel}) and no Neon CLI login`,
      `run \`neon auth\`, or ${rerun('--yes --api-key <key>')}`,
    );
  } else {
    for (const f of keyReachFindings(creds, repo.mainRoot, envRel)) add('credentials', f.level, f.message, f.fix);
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
            ? `create a new API key in the Neon Console, then ${rerun('--yes --api-key <key>')}`
            : `check NEON_PROJECT_ID (${projectId})`,
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
  if (ctx.options.verify && creds && (key || cli) && runtimeText !== null) {
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

export interface DoctorReport {
  findings: Finding[];
  problems: number;
  warnings: number;
}

/** Diagnose, and count: the exit code is 1 when any problem (not a mere warning) is found. */
export async function doctor(ctx: DoctorContext): Promise<DoctorReport> {
  const findings = await diagnose(ctx);
  return {
    findings,
    problems: findings.filter((f) => f.level === 'problem').length,
    warnings: findings.filter((f) => f.level === 'warn').length,
  };
}

/**
 * Where the management key lives and whether an agent could read it: Claude Code's agents run with broad
 * permissions inside the main checkout's folder tree, and inherit the environment of the shell that started them.
 */
function keyReachFindings(creds: Credentials, mainRoot: string, envRel: string): Omit<Finding, 'check'>[] {
  const denied = (file: string) => {
    const rule = readDenyRule(file);
    try {
      const deny = (
        parseSettings(readText(path.join(mainRoot, LOCAL_SETTINGS_PATH)) ?? '{}', LOCAL_SETTINGS_PATH).permissions as
          | { deny?: unknown }
          | undefined
      )?.deny;
      return rule !== null && Array.isArray(deny) && deny.includes(rule);
    } catch {
      return false;
    }
  };
  const moveOut = rerun('--yes --key-store user');
  switch (creds.source) {
    case 'env':
      return [
        {
          level: 'warn',
          message:
            "API key from NEON_API_KEY in this shell's environment (not shown): agents started from this shell inherit it, and any command of theirs can print it",
          fix: `keep it outside the repo instead: ${rerun('--yes --key-store user --api-key "$NEON_API_KEY"')}, then unset NEON_API_KEY`,
        },
      ];
    case 'user-file': {
      const file = creds.loginFile!;
      let loose = false;
      try {
        loose = (statSync(file).mode & 0o077) !== 0;
      } catch {
        /* read a moment ago */
      }
      const out: Omit<Finding, 'check'>[] = [
        {
          level: 'ok',
          message: `API key in ${file} (outside the repository; not shown)${denied(file) ? "; Claude's file tools are denied it" : ''}`,
        },
      ];
      if (loose)
        out.push({ level: 'warn', message: `${file} is readable by other users`, fix: `chmod 600 ${sh(file)}` });
      return out;
    }
    case 'env-file': {
      const file = path.join(mainRoot, envRel);
      return denied(file)
        ? [
            {
              level: 'warn',
              message: `API key in the main checkout's ${envRel} (not shown): Claude's file tools are denied it (${LOCAL_SETTINGS_PATH}), but an agent's shell commands in that folder tree could still read it`,
              fix: `move it out of the repo: ${moveOut}`,
            },
          ]
        : [
            {
              level: 'problem',
              message: `API key in the main checkout's ${envRel} (not shown), where any agent could read it: no rule in ${LOCAL_SETTINGS_PATH} denies it`,
              fix: `move it out of the repo: ${moveOut} (or ${rerun('--yes')} adds the rule)`,
            },
          ];
    }
    default:
      return [{ level: 'ok', message: `using the Neon CLI login (${creds.loginFile}, outside the repository)` }];
  }
}
