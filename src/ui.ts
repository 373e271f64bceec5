// Everything the initializer prints goes through a Ui, so the same flow can speak to a person (clack in a
// terminal, plain lines when piped) or to a machine (--json: nothing but one JSON document on stdout).
import * as p from '@clack/prompts';
import { bold, cyan, dim, green, red, yellow } from 'kolorist';
import type { Detected, InitResult } from './commands/init.ts';
import type { FileOp } from './plan/ops.ts';
import { equivalentCommand } from './commands/init.ts';

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

export function formatOps(ops: FileOp[]): string[] {
  const width = Math.max(...ops.map((o) => o.display.length), 10);
  return ops.map((o) => {
    const style = ACTION_STYLE[o.action] ?? ((s: string) => s);
    return `${style(o.action.padEnd(9))} ${o.display.padEnd(width)}  ${dim(o.reason)}`;
  });
}

export function nextSteps(r: InitResult): string[] {
  const { detected: d, answers: a } = r;
  const steps: string[] = [];
  const managed = r.plan.ops.filter((o) => o.type === 'write' && !o.path.includes('/.git/') && o.display !== a.envFile);
  if (managed.length) {
    steps.push(`Commit the setup so every worktree gets it: git add .claude .gitignore ${a.envFile.includes('/') ? a.envFile.replace(/[^/]+$/, '') : ''}.env.example && git commit -m "Neon branch per agent worktree"`);
  }
  if (!r.neonCli) steps.push(`Install the Neon CLI: npm i -g neonctl  (or brew install neonctl)`);
  if (!r.apiKeyGiven) steps.push(`Log the Neon CLI in once (neon auth), or put NEON_API_KEY in ${a.envFile}`);
  if (d.project.orm.name) steps.push(`Agents will run ${d.project.orm.name} migrations (${d.project.orm.migrate}) on their own branch only.`);
  steps.push(`Start Claude Code: claude — then ask for two things at once, e.g. "use feature-developer to add API keys, and data-optimizer to speed up the activity feed"`);
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
      p.log.info(facts);
    } else {
      this.out.write(`${bold('create-neon-agents')}  ${dim(facts)}\n`);
    }
  }

  warn(message: string): void {
    this.warnings.push(message);
    if (this.interactive) p.log.warn(message);
    else this.err.write(`${yellow('warning')} ${message}\n`);
  }

  info(message: string): void {
    if (this.interactive) p.log.info(message);
    else this.out.write(`${message}\n`);
  }

  async task<T>(title: string, fn: () => Promise<T>): Promise<T> {
    if (!this.interactive) return fn();
    const s = p.spinner();
    s.start(title);
    try {
      const r = await fn();
      s.stop(title);
      return r;
    } catch (e) {
      s.error(`${title}: failed`);
      throw e;
    }
  }

  report(r: InitResult): void {
    const lines = formatOps(r.plan.ops);
    for (const i of r.plan.instructions) lines.push('', `${yellow('!')} ${i}`);
    if (r.dryRun) {
      if (this.interactive) p.note(lines.join('\n'), 'Plan (dry run: nothing written)');
      else this.out.write(`Plan (dry run: nothing written):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
      return;
    }
    const changed = r.written.length;
    const title = changed ? `Wrote ${changed} file${changed === 1 ? '' : 's'}` : 'Already up to date: nothing to change';
    const steps = changed ? nextSteps(r) : [];
    if (this.interactive) {
      p.note(lines.join('\n'), title);
      if (steps.length) p.note(steps.map((s, i) => `${i + 1}. ${s}`).join('\n'), 'Next steps');
      p.outro(changed ? green('Each agent now gets its own worktree and its own Neon branch.') : 'Done.');
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
      ok: true,
      dryRun: r.dryRun,
      version: r.plan.manifest.version,
      repo: r.detected.repo.root,
      packageManager: r.detected.pm.name,
      orm: r.detected.project.orm.name,
      answers: r.answers,
      apiKey: r.apiKeyGiven ? 'set (hidden)' : 'none (Neon CLI login)',
      neonCli: r.neonCli ? { path: r.neonCli.bin, version: r.neonCli.version } : null,
      verify: r.verify,
      files: r.plan.ops.map((o) => ({ path: o.display, action: o.action, reason: o.reason })),
      written: r.written,
      warnings: this.warnings,
      instructions: r.plan.instructions,
      command: equivalentCommand(r.answers, undefined),
    };
    this.out.write(JSON.stringify(doc, null, 2) + '\n');
  }
  error(message: string, exitCode: number): void {
    this.out.write(JSON.stringify({ ok: false, exitCode, error: message, warnings: this.warnings }, null, 2) + '\n');
  }
}
