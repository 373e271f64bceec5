// A real terminal for tests: the built CLI runs inside a detached tmux session on a private socket, driven with
// `send-keys` and read back with `capture-pane`, the way a person at a keyboard meets it.
//
//   const t = await Terminal.start({ cwd: repo, args: ['--no-verify'], env: termEnv(), cols: 80, rows: 40 });
//   await t.waitFor('Neon project id');
//   t.type('winter-sun-12345678'); t.keys('Enter');
//   expect(await t.exitCode()).toBe(0);
//   t.kill();                                   // in afterEach: kills this session's tmux server only
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CLI, baseEnv, tempDir } from '../helpers/repo.ts';

let counter = 0;

export interface StartOptions {
  cwd: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  cols?: number;
  rows?: number;
}

/** baseEnv (no Neon CLI on PATH, temp HOME, no CI/agent hints) plus what a terminal session has. */
export function termEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env = baseEnv({ TERM: 'xterm-256color', ...extra });
  if (!('NO_COLOR' in extra)) delete env.NO_COLOR; // baseEnv sets it; a person's terminal does not
  return env;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class Terminal {
  /** Every screen captured so far (plain and with escapes), for "the secret never appeared" checks. */
  readonly captures: string[] = [];
  private socketPath = '';
  private constructor(
    readonly socket: string,
    readonly dir: string,
    readonly cols: number,
  ) {}

  static async start(o: StartOptions): Promise<Terminal> {
    const socket = `cna-test-${process.pid}-${++counter}-${Date.now().toString(36)}`;
    const dir = tempDir('cna-tmux-');
    const env = o.env ?? termEnv();
    const assignments = Object.entries(env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => q(`${k}=${v}`))
      .join(' ');
    const argv = ['node', CLI, ...(o.args ?? [])].map(q).join(' ');
    // The exit status goes to a file; the pane then stays open so the final screen can still be read.
    const script = path.join(dir, 'run.sh');
    writeFileSync(
      script,
      `#!/bin/sh\ncd ${q(o.cwd)} || exit 99\nenv -i ${assignments} ${argv}\necho "EXIT=$?" > ${q(path.join(dir, 'exit'))}\nexec sleep 600\n`,
    );
    chmodSync(script, 0o755);
    const t = new Terminal(socket, dir, o.cols ?? 80);
    t.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-x',
      String(o.cols ?? 80),
      '-y',
      String(o.rows ?? 40),
      '-c',
      o.cwd,
      script,
    );
    t.socketPath = t.tmux('display-message', '-p', '#{socket_path}').trim();
    return t;
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Named keys: Enter, Space, Up, Down, BSpace, C-c, Escape… */
  keys(...names: string[]): void {
    this.tmux('send-keys', '-t', '0', ...names);
  }

  /** Literal text, typed. */
  type(text: string): void {
    this.tmux('send-keys', '-t', '0', '-l', text);
  }

  /** Literal text, pasted from a tmux buffer (one write, as a terminal paste arrives). */
  paste(text: string): void {
    this.tmux('set-buffer', '-b', 'paste', text);
    this.tmux('paste-buffer', '-d', '-b', 'paste', '-t', '0');
  }

  /**
   * The screen. `join` joins lines the terminal wrapped (so a line wider than the terminal shows as one long
   * line); `escapes` keeps colour and attribute escapes; `scrollback` includes history above the screen.
   */
  capture(o: { join?: boolean; escapes?: boolean; scrollback?: boolean } = {}): string {
    const args = ['capture-pane', '-p', '-t', '0'];
    if (o.join) args.push('-J');
    if (o.escapes) args.push('-e');
    if (o.scrollback) args.push('-S', '-');
    const s = this.tmux(...args);
    this.captures.push(s);
    return s;
  }

  /** Poll the screen until it matches; fail with the last screen after `timeoutMs`. */
  async waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs = 5_000): Promise<string> {
    const test =
      typeof what === 'function' ? what : (s: string) => (typeof what === 'string' ? s.includes(what) : what.test(s));
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = this.capture();
      if (test(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(what)}; screen:\n${screen}`);
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  /** The CLI's exit code, once it has exited (fails after `timeoutMs`). */
  async exitCode(timeoutMs = 5_000): Promise<number> {
    const file = path.join(this.dir, 'exit');
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(file) || !readFileSync(file, 'utf8').includes('\n')) {
      if (Date.now() > deadline)
        throw new Error(`the CLI did not exit within ${timeoutMs} ms; screen:\n${this.capture()}`);
      await new Promise((r) => setTimeout(r, 40));
    }
    return Number(/EXIT=(\d+)/.exec(readFileSync(file, 'utf8'))![1]);
  }

  exited(): boolean {
    return existsSync(path.join(this.dir, 'exit'));
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
    // kill-server leaves the socket file behind.
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}

/** Select Graphic Rendition sequences that set a colour (30–37, 38;…, 40–47, 48;…, 90–97, 100–107). */
export function colourSgr(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/\x1b\[([0-9;:]*)m/g)) {
    const params = m[1]!.split(/[;:]/).map(Number);
    for (let i = 0; i < params.length; i++) {
      const n = params[i]!;
      if (
        (n >= 30 && n <= 37) ||
        (n >= 40 && n <= 47) ||
        (n >= 90 && n <= 97) ||
        (n >= 100 && n <= 107) ||
        n === 38 ||
        n === 48
      ) {
        out.push(m[0]);
        break;
      }
    }
  }
  return out;
}

/** Display width of a line: code points (the wizard's box and symbol characters are all single-width). */
export function width(line: string): number {
  return [...line].length;
}

/** The prompt currently waiting for input: clack marks it ◆ (active) or ▲ (validation error). */
export const active = (prompt: string) => (screen: string) =>
  screen.split('\n').some((l) => /^[◆▲]/.test(l) && l.includes(prompt));
