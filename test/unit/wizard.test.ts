// The real wizard (createWizard), driven in-process: keystrokes written to a fake input stream, the screen read
// back from a captured output stream, as clack's own tests do. No terminal, no git, no Neon: milliseconds per case.
// What a person meets in a real terminal (wrapping, colour, Ctrl-C's exit code, secrets on screen) stays in
// test/terminal/wizard.test.ts.
import { describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { createWizard, type Asked } from '../../src/prompts.ts';
import { resolve } from '../../src/answers/resolve.ts';
import { QUESTION_LIST, type Pending } from '../../src/answers/questions.ts';
import { parseOptions } from '../../src/options.ts';
import { CancelledError } from '../../src/errors.ts';
import type { Detected } from '../../src/detect/index.ts';
import type { ProjectInfo } from '../../src/detect/project.ts';
import { DEFAULT_ANSWERS, type Manifest } from '../../src/shared/manifest.ts';
import { plainDetected } from '../helpers/detected.ts';

const PROJECT = 'winter-sun-12345678';
const KEY = 'napi_inProcessWizardKey0123456789';
const ENTER = '\r';
const UP = '\x1b[A';
const DOWN = '\x1b[B';
const RIGHT = '\x1b[C';
const SPACE = ' ';
const BACKSPACE = '\x7f';
const CTRL_C = '\x03';

/** A captured screen: everything written, escapes stripped, with a cursor for "what appeared since". */
class Screen extends Writable {
  columns = 100;
  rows = 60;
  private raw = '';
  private seen = 0;
  private waiters: (() => void)[] = [];

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.raw += chunk.toString();
    for (const w of this.waiters.splice(0)) w();
    done();
  }

  get text(): string {
    return stripVTControlCharacters(this.raw);
  }

  /** Wait until `what` appears after everything waited for so far; returns the screen from there on. */
  async waitFor(what: string, timeoutMs = 2_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.text.indexOf(what, this.seen);
      if (at >= 0) {
        const from = this.seen;
        this.seen = at + what.length;
        return this.text.slice(from);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`"${what}" did not appear; the screen since the last step:\n${this.text.slice(this.seen)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

/** What detection would say about a plain repository (no ORM, .env), with overrides. */
const detected = (over: Partial<Detected> = {}, project: Partial<ProjectInfo> = {}): Detected =>
  plainDetected(over, { envFileCandidates: [{ file: '.env', reason: 'the default', strength: 3 }], ...project });

function recorded(answers: Partial<Manifest['answers']> = {}): Manifest {
  return {
    tool: 'create-neon-agents',
    version: '0.0.9',
    answers: { ...DEFAULT_ANSWERS, projectId: PROJECT, ...answers },
    files: {},
  };
}

/** The wizard on fake streams, asked with what these flags and this repository give. */
/**
 * The wizard on `argv`. The agent-data and key-store questions are answered by `--agent-data full` and
 * `--key-store user` unless a test asks them (`askAgentData`, `askKeyStore`), so each test drives only the questions
 * it is about.
 */
function start(
  d: Detected,
  argv: string[] = [],
  o: { reuse?: boolean; askAgentData?: boolean; askKeyStore?: boolean } = {},
) {
  const input = new PassThrough();
  const screen = new Screen();
  const withData = o.askAgentData || argv.includes('--agent-data') ? argv : [...argv, '--agent-data', 'full'];
  const args = o.askKeyStore || argv.includes('--key-store') ? withData : [...withData, '--key-store', 'user'];
  const answers: Pending = resolve(parseOptions(args, {}).given, d);
  const wizard = createWizard({ env: {}, input, output: screen });
  const asked = wizard.ask({ answers, detected: d, reuse: o.reuse ?? Boolean(d.manifest), verify: false });
  // A rejection is the test's to check; until then it must not count as unhandled.
  asked.catch(() => {});
  const type = (...keys: string[]) => {
    for (const k of keys) input.write(k);
  };
  /** The wizard's result; a wizard still waiting for keys fails the test with its screen, not a hang. */
  const done = async (): Promise<Asked> => {
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the wizard is still asking:\n${screen.text.slice(-800)}`)), 2_000);
    });
    try {
      return await Promise.race([asked, stuck]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { screen, type, asked, done };
}

/** The first words of every question the table can ask (to prove which ones were not asked). */
const PROMPT_MESSAGES = QUESTION_LIST.flatMap((q) =>
  q.prompt
    ? [stripVTControlCharacters(q.prompt.message({ answers: resolve({}, detected()), detected: detected() }))]
    : [],
).map((m) => m.split(' (')[0]!);

/** Flags answering every question of a first run but the permission mode (which is then the only one asked). */
const ALL_BUT_PERMISSION_MODE = [
  '--project-id',
  PROJECT,
  '--api-key',
  KEY,
  '--roles',
  'migration-reviewer',
  '--branch-ttl',
  '3',
];

describe('the wizard, in-process', () => {
  it('a first run asks the project id, the key, roles, permission mode, TTL and agent data, in that order', async () => {
    const { screen, type, done } = start(detected(), [], { askAgentData: true, askKeyStore: true });
    await screen.waitFor('Neon project id');
    type(PROJECT, ENTER);
    await screen.waitFor('Neon API key (never printed or committed; empty = use the Neon CLI login)');
    type(KEY, ENTER);
    await screen.waitFor('Where should the API key be kept?');
    expect(screen.text).toContain('~/.config/create-neon-agents/credentials.json (recommended)');
    expect(screen.text).toContain('.env in the main checkout');
    type(ENTER); // the recommended one
    await screen.waitFor('Which agent roles?');
    type(DOWN, SPACE, DOWN, SPACE, ENTER); // data-optimizer off, migration-reviewer on
    await screen.waitFor('Permission mode for the agents');
    type(UP, ENTER); // from bypassPermissions up to dontAsk
    await screen.waitFor('Delete agent branches after how many days? (0 = never, at most 30)');
    type(BACKSPACE, BACKSPACE, '7', ENTER);
    await screen.waitFor('What data do agent branches start with?');
    expect(screen.text).toContain("a copy of the parent branch's data, as it is");
    type(DOWN, ENTER); // anonymized
    const { answers, cliLogin, verify }: Asked = await done();

    expect(answers).toMatchObject({
      projectId: { value: PROJECT, source: 'asked' },
      apiKey: { value: KEY, source: 'asked' },
      keyStore: { value: 'user', source: 'asked' },
      roles: { value: ['feature-developer', 'migration-reviewer'], source: 'asked' },
      permissionMode: { value: 'dontAsk', source: 'asked' },
      branchTtlDays: { value: 7, source: 'asked' },
      agentData: { value: 'anonymized', source: 'asked' },
      envFile: { value: '.env', source: 'detected' },
      databaseUrlVar: { value: 'DATABASE_URL', source: 'default' },
      pooled: { value: true, source: 'default' },
    });
    expect(cliLogin).toBe(false);
    expect(verify).toBeUndefined(); // verify: false
    // The convention is shown, not asked; the key is masked.
    expect(screen.text).toContain('Database URL variable: DATABASE_URL');
    expect(screen.text).toContain('(--database-url-var / --direct-url-var change them)');
    expect(screen.text).not.toContain('Use these variables?');
    expect(screen.text).not.toContain(KEY);
    expect(screen.text).toContain('•'.repeat(KEY.length));
  });

  it('an answer given by a flag is not asked, and keeps its source', async () => {
    const { screen, type, done } = start(detected(), ALL_BUT_PERMISSION_MODE);
    await screen.waitFor('Permission mode for the agents');
    type(ENTER);
    const { answers } = await done();
    expect(answers).toMatchObject({
      projectId: { value: PROJECT, source: 'flag' },
      apiKey: { value: KEY, source: 'flag' },
      roles: { value: ['migration-reviewer'], source: 'flag' },
      permissionMode: { value: 'bypassPermissions', source: 'asked' },
      branchTtlDays: { value: 3, source: 'flag' },
    });
    for (const m of ['Neon project id', 'Neon API key', 'Which agent roles?', 'Delete agent branches'])
      expect(screen.text).not.toContain(m);
  });

  it('tools the repository already uses: asked last, the detected ones preselected; the user can add one', async () => {
    const { screen, type, done } = start(detected({ tools: ['claude', 'cursor'] }), [
      ...ALL_BUT_PERMISSION_MODE,
      '--permission-mode',
      'plan',
    ]);
    await screen.waitFor('Which tools start agents in worktrees here?');
    // claude, codex, conductor, worktrunk, cursor, gtr: add codex (second), keep the rest as detected.
    type(DOWN, SPACE, ENTER);
    const { answers } = await done();
    expect(answers.tools).toEqual({ value: ['claude', 'codex', 'cursor'], source: 'asked' });
  });

  it('no other tool detected: the tools question is not asked, Claude Code alone', async () => {
    const { screen, type, done } = start(detected(), ALL_BUT_PERMISSION_MODE);
    await screen.waitFor('Permission mode for the agents');
    type(ENTER);
    const { answers } = await done();
    expect(answers.tools.value).toEqual(['claude']);
    expect(screen.text).not.toContain('Which tools start agents');
  });

  it('a re-run that re-uses the manifest asks nothing but the upgrade question', async () => {
    const d = detected({ manifest: recorded({ roles: ['migration-reviewer'], branchTtlDays: 5 }) });
    const { screen, type, done } = start(d);
    const s = await screen.waitFor('Set up before by create-neon-agents 0.0.9');
    expect(s).not.toContain('Neon project id');
    await screen.waitFor('Upgrade with the recorded settings (migration-reviewer · bypassPermissions · 5d)');
    type(ENTER);
    const { answers } = await done();
    expect(answers).toMatchObject({
      projectId: { value: PROJECT, source: 'manifest' },
      roles: { value: ['migration-reviewer'], source: 'manifest' },
      branchTtlDays: { value: 5, source: 'manifest' },
      // No key was stored: a re-run keeps the login it was set up with, it does not ask for one.
      apiKey: { value: null, source: 'default' },
    });
    for (const m of PROMPT_MESSAGES) expect(screen.text, m).not.toContain(m);
  });

  it('"Change settings" asks again, each question starting from the recorded answer (not the project id)', async () => {
    const d = detected({
      manifest: recorded({ roles: ['migration-reviewer'], permissionMode: 'plan', branchTtlDays: 5 }),
    });
    const { screen, type, done } = start(d);
    await screen.waitFor('Change settings');
    type(DOWN, ENTER);
    await screen.waitFor('Neon API key');
    type(ENTER); // none: the Neon CLI login
    const roles = await screen.waitFor('Which agent roles?');
    expect(roles).not.toContain('Neon project id');
    await screen.waitFor('migration-reviewer'); // drawn after the message
    expect(screen.text).toMatch(/◻ feature-developer/);
    expect(screen.text).toMatch(/◼ migration-reviewer/);
    type(ENTER);
    await screen.waitFor('Permission mode for the agents');
    type(ENTER); // the recorded plan is highlighted
    await screen.waitFor('Delete agent branches');
    type(ENTER); // 5 is pre-filled
    const { answers } = await done();
    expect(answers).toMatchObject({
      projectId: { value: PROJECT, source: 'manifest' },
      apiKey: { value: null, source: 'asked' },
      roles: { value: ['migration-reviewer'], source: 'asked' },
      permissionMode: { value: 'plan', source: 'asked' },
      branchTtlDays: { value: 5, source: 'asked' },
    });
  });

  it('a bad TTL shows the validation message and stays on the question until it is fixed', async () => {
    const { screen, type, done } = start(detected(), [
      '--project-id',
      PROJECT,
      '--api-key',
      KEY,
      '--roles',
      'feature-developer',
    ]);
    await screen.waitFor('Permission mode for the agents');
    type(ENTER);
    await screen.waitFor('Delete agent branches after how many days?');
    type(BACKSPACE, BACKSPACE, '31', ENTER);
    await screen.waitFor('A whole number from 0 to 30');
    type(BACKSPACE, BACKSPACE, 'x', ENTER);
    await screen.waitFor('A whole number from 0 to 30');
    type(BACKSPACE, '0', ENTER);
    const { answers } = await done();
    expect(answers.branchTtlDays).toEqual({ value: 0, source: 'asked' });
  });

  it('a bad project id is refused with what a valid one looks like', async () => {
    const { screen, type, done } = start(detected(), [
      '--api-key',
      KEY,
      '--roles',
      'feature-developer',
      '--branch-ttl',
      '1',
    ]);
    await screen.waitFor('Neon project id');
    type('My Project', ENTER);
    const s = await screen.waitFor('is not a Neon project id');
    expect(s.replace(/\s+/g, ' ')).toContain('"My Project" is not a Neon project id');
    type(...Array.from('My Project', () => BACKSPACE), PROJECT, ENTER);
    await screen.waitFor('Permission mode for the agents');
    type(ENTER);
    expect((await done()).answers.projectId).toEqual({ value: PROJECT, source: 'asked' });
  });

  it.each([
    ['a text prompt (the project id)', [] as string[], 'Neon project id'],
    ['a multiselect (the roles)', ['--project-id', PROJECT, '--api-key', KEY], 'Which agent roles?'],
  ])('Ctrl-C at %s is a CancelledError (exit 130)', async (_what, argv, prompt) => {
    const { screen, type, asked } = start(detected(), argv);
    await screen.waitFor(prompt);
    type(CTRL_C);
    await expect(asked).rejects.toBeInstanceOf(CancelledError);
    await expect(asked).rejects.toMatchObject({ exitCode: 130 });
  });

  it('database variables the app names: shown, and asked only when the user does not keep them', async () => {
    const d = detected(
      {},
      { databaseUrlVar: 'POSTGRES_URL', databaseUrlFrom: 'drizzle.config.ts:1, dbCredentials.url' },
    );
    const { screen, type, done } = start(d, [
      '--project-id',
      PROJECT,
      '--api-key',
      KEY,
      '--roles',
      'feature-developer',
    ]);
    const note = await screen.waitFor('Use these variables?');
    expect(note).toContain('Database variables');
    expect(note).toContain('Database URL variable: POSTGRES_URL (drizzle.config.ts:1, dbCredentials.url)');
    type(RIGHT, ENTER); // No
    await screen.waitFor('Variable the app reads its database URL from');
    type(...Array.from('POSTGRES_URL', () => BACKSPACE), 'APP_DB_URL', ENTER);
    await screen.waitFor('Variable for the direct (unpooled) URL');
    type('APP_DB_URL', ENTER); // the same name: refused
    await screen.waitFor('Give the direct URL another name');
    type('_DIRECT', ENTER);
    await screen.waitFor('Permission mode for the agents');
    type(ENTER);
    await screen.waitFor('Delete agent branches');
    type(ENTER);
    const { answers } = await done();
    expect(answers).toMatchObject({
      databaseUrlVar: { value: 'APP_DB_URL', source: 'asked' },
      directUrlVar: { value: 'APP_DB_URL_DIRECT', source: 'asked' },
    });
  });

  it('several env files: the user picks one, the detected one first', async () => {
    const d = detected(
      {},
      {
        envFile: 'apps/web/.env.local',
        envFileCandidates: [
          { file: 'apps/web/.env.local', reason: 'Next.js reads .env.local first', strength: 3 },
          { file: 'packages/db/.env', reason: 'packages/db\'s "push" script loads it', strength: 1 },
        ],
      },
    );
    const { screen, type, done } = start(d, [
      '--project-id',
      PROJECT,
      '--api-key',
      KEY,
      '--roles',
      'feature-developer',
    ]);
    await screen.waitFor('Which env file does the app read its database URL from?');
    type(DOWN, ENTER);
    await screen.waitFor('Permission mode for the agents');
    type(ENTER);
    await screen.waitFor('Delete agent branches');
    type(ENTER);
    expect((await done()).answers.envFile).toEqual({ value: 'packages/db/.env', source: 'asked' });
  });
});
