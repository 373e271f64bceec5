// Everything the initializer prints goes through a Ui, so the same flow can speak to a person (clack in a
// terminal, plain lines when piped) or to a machine (--json: nothing but one JSON document on stdout).
import * as p from '@clack/prompts';
import { exitCancelled, whileSpinning } from './cancel.ts';
import { bold, cyan, dim, green, red, yellow } from 'kolorist';
import type { InitResult } from './commands/init.ts';
import type { Detected } from './detect/index.ts';
import { neonInstallCommand } from './detect/neon-cli.ts';
import type { FileOp } from './plan/ops.ts';
import { equivalentCommand, sourcesOf } from './answers/resolve.ts';

export interface Ui {
  intro(d: Detected): void;
  warn(message: string): void;
  info(message: string): void;
  task<T>(title: string, fn: () => Promise<T>): Promise<T>;
  report(r: InitResult): void;
  error(message: string, exitCode: number): void;
  readonly warnings: string[];
}

const ACTION_STYLE: Record<string, (s: string) => string> = {
  create: green,
  update: cyan,
  unchanged: dim,
  skip: yellow,
  conflict: red,
};

/** Terminal width for layout (80 when unknown). */
function columns(): number {
  return process.stdout.columns || 80;
}

const visible = (s: string) => [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;

/**
 * Word-wrap plain text to `width` columns (clack's log lines and outro are not wrapped, so in a narrow terminal
 * the terminal would break them mid-word and without the guide bar). Words longer than a line are split.
 */
export function wrap(text: string, width: number): string {
  const w = Math.max(width, 10);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (let word of para.split(/(?<=\S) +/)) {
      while (visible(word) > w) {
        if (line) {
          out.push(line);
          line = '';
        }
        out.push(word.slice(0, w));
        word = word.slice(w);
      }
      if (!line) line = word;
      else if (visible(line) + 1 + visible(word) <= w) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out.join('\n');
}

/**
 * The plan on screen: a boxed table when it fits the terminal; in a narrow one, the files grouped by action,
 * one whole path per line (a box would break the names mid-word).
 */
export function showPlan(ops: FileOp[], title: string, extra: string[] = []): void {
  const table = formatOps(ops);
  const cols = columns();
  if (Math.max(...table.map(visible)) + 6 <= cols) {
    p.note([...table, ...extra].join('\n'), title);
    return;
  }
  const lines: string[] = [];
  for (const action of Object.keys(ACTION_STYLE)) {
    const group = ops.filter((o) => o.action === action);
    if (!group.length) continue;
    lines.push(`${ACTION_STYLE[action]!(action)}:`);
    for (const o of group) lines.push(wrap(o.display, cols - 3));
  }
  for (const e of extra) lines.push(wrap(e, cols - 3));
  p.log.step(`${title}\n${lines.join('\n')}`);
}

export function formatOps(ops: FileOp[]): string[] {
  const width = Math.max(...ops.map((o) => o.display.length), 10);
  return ops.map((o) => {
    const style = ACTION_STYLE[o.action] ?? ((s: string) => s);
    return `${style(o.action.padEnd(9))} ${o.display.padEnd(width)}  ${dim(o.reason)}`;
  });
}

/** What to do after a successful run, tailored to what was detected and written. */
export function nextSteps(r: InitResult): string[] {
  const { detected: d, answers: a } = r;
  const steps: string[] = [];
  // Exactly the committable paths this run wrote (not the env file with its secret, not git's own hooks).
  const toCommit = [
    ...new Set(
      r.written
        .filter((f) => !f.startsWith('$GIT_COMMON_DIR') && !f.startsWith('/') && f !== a.envFile)
        .map((f) => (f.startsWith('.claude/') ? '.claude' : f))
        .map((f) => (/^[\w./@+-]+$/.test(f) ? f : JSON.stringify(f))),
    ),
  ];
  if (toCommit.length) {
    steps.push(
      `Commit the setup so every worktree gets it: git add ${toCommit.join(' ')} && git commit -m "Neon branch per agent worktree"`,
    );
    steps.push(
      `Then push it: git push — Claude Code starts its worktrees from origin/HEAD, so until the setup is pushed they lack it. Or have them start from your current HEAD instead: "worktree": {"baseRef": "head"} in .claude/settings.json`,
    );
  }
  // With an API key the runtime calls the Neon API itself; without one it authenticates through the CLI's login.
  if (!r.neonCli && !r.apiKeyGiven) {
    steps.push(
      `Install the Neon CLI for its login (no API key was given): ${neonInstallCommand(d.pm.name)}  (or brew install neonctl)`,
    );
  }
  // Without a key the hooks use the CLI's own login; a verified run already proved that login works.
  if (!r.apiKeyGiven && !r.verify?.ok && !r.cliLogin) {
    steps.push(`Log the Neon CLI in once: ${r.neonCli?.name ?? 'neon'} auth  (or run this again with --api-key)`);
  }
  // The key next to the agents' work: a file tool is denied it, a shell command is not.
  if (r.apiKeyGiven && a.keyStore === 'env-file')
    steps.push(
      `The API key is in the main checkout's ${a.envFile}, where an agent's shell commands could read it: move it out of the repo with --key-store user.`,
    );
  if (d.project.orm.name)
    steps.push(`Agents will run ${d.project.orm.name} migrations (${d.project.orm.migrate}) on their own branch only.`);
  const [r1, r2] = a.roles;
  const example = r2
    ? `"use ${r1} to add API keys, and ${r2} on the activity feed"`
    : `"use ${r1} to add API keys" (several at once run in parallel)`;
  steps.push(`Start Claude Code: claude — then ask for two things at once, e.g. ${example}`);
  steps.push(`Or start an isolated session yourself: claude --worktree my-feature  (its own worktree and Neon branch)`);
  steps.push(`Check a worktree's database: node .claude/hooks/neon-worktree.mjs status`);
  return steps;
}

export class HumanUi implements Ui {
  readonly warnings: string[] = [];
  constructor(
    private readonly interactive: boolean,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  intro(d: Detected): void {
    const facts = [
      `repo ${d.repo.root}`,
      `${d.pm.name}`,
      d.project.orm.name ? d.project.orm.name : 'no ORM detected',
      d.manifest ? `set up before by v${d.manifest.version}` : 'first run',
    ].join(' · ');
    if (this.interactive) {
      p.intro(bold(' create-neon-agents '));
      p.log.info(wrap(facts, columns() - 3));
    } else {
      this.out.write(`${bold('create-neon-agents')}  ${dim(facts)}\n`);
    }
  }

  warn(message: string): void {
    this.warnings.push(message);
    if (this.interactive) p.log.warn(wrap(message, columns() - 3));
    else this.err.write(`${yellow('warning')} ${message}\n`);
  }

  info(message: string): void {
    if (this.interactive) p.log.info(wrap(message, columns() - 3));
    else this.out.write(`${message}\n`);
  }

  async task<T>(title: string, fn: () => Promise<T>): Promise<T> {
    if (!this.interactive) return fn();
    const s = p.spinner({ onCancel: exitCancelled });
    s.start(title);
    try {
      const r = await whileSpinning(fn);
      s.stop(title);
      return r;
    } catch (e) {
      s.error(`${title}: failed`);
      throw e;
    }
  }

  report(r: InitResult): void {
    const extra = r.plan.instructions.flatMap((i) => ['', `${yellow('!')} ${i}`]);
    const lines = [...formatOps(r.plan.ops), ...extra];
    if (r.dryRun) {
      if (this.interactive) showPlan(r.plan.ops, 'Plan (dry run: nothing written)', extra);
      else this.out.write(`Plan (dry run: nothing written):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
      return;
    }
    const changed = r.written.length;
    const title = changed
      ? `Wrote ${changed} file${changed === 1 ? '' : 's'}`
      : 'Already up to date: nothing to change';
    const steps = changed ? nextSteps(r) : [];
    if (this.interactive) {
      showPlan(r.plan.ops, title, extra);
      if (steps.length) p.note(steps.map((s, i) => `${i + 1}. ${s}`).join('\n'), 'Next steps');
      // The outro's continuation lines get no guide bar from clack: indent them under the text.
      const outro = wrap(
        changed ? 'Each agent now gets its own worktree and its own Neon branch.' : 'Done.',
        columns() - 3,
      );
      p.outro(
        outro
          .split('\n')
          .map((l) => (changed ? green(l) : l))
          .join('\n   '),
      );
    } else {
      this.out.write(`${title}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
      if (steps.length) this.out.write(`\nNext steps:\n${steps.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n`);
    }
  }

  error(message: string, exitCode: number): void {
    if (this.interactive && exitCode === 130) p.cancel(message);
    else this.err.write(`${red(exitCode === 130 ? 'cancelled' : 'error')} ${message}\n`);
  }
}

/** --json: silent while working; one document at the end (or an error document), nothing else on stdout. */
export class JsonUi implements Ui {
  readonly warnings: string[] = [];
  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}
  intro(): void {}
  warn(message: string): void {
    this.warnings.push(message);
  }
  info(): void {}
  task<T>(_title: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  report(r: InitResult): void {
    const doc = {
      ok: r.conflicts.length === 0,
      dryRun: r.dryRun,
      version: r.plan.manifest.version,
      repo: r.detected.repo.root,
      packageManager: r.detected.pm.name,
      orm: r.detected.project.orm.name,
      answers: r.answers,
      sources: sourcesOf(r.resolved),
      detected: {
        databaseUrlVar: r.detected.project.databaseUrlVar ?? 'DATABASE_URL',
        databaseUrlFrom: r.detected.project.databaseUrlFrom ?? null,
        directUrlVar: r.detected.project.directUrlVar,
        directUrlFrom: r.detected.project.directUrlFrom ?? null,
        envFile: r.detected.project.envFile,
        envFileReason: r.detected.project.envFileReason,
      },
      apiKey: r.apiKeyGiven ? 'set (hidden)' : 'none (Neon CLI login)',
      neonCli: r.neonCli ? { path: r.neonCli.bin, version: r.neonCli.version } : null,
      verify: r.verify,
      files: r.plan.ops.map((o) => ({ path: o.display, action: o.action, reason: o.reason })),
      written: r.written,
      warnings: this.warnings,
      instructions: r.plan.instructions,
      conflicts: r.conflicts,
      command: equivalentCommand(r.resolved, undefined),
    };
    this.out.write(JSON.stringify(doc, null, 2) + '\n');
  }
  error(message: string, exitCode: number): void {
    this.out.write(JSON.stringify({ ok: false, exitCode, error: message, warnings: this.warnings }, null, 2) + '\n');
  }
}
