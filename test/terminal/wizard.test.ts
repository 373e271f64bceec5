// The wizard as a person meets it: the built CLI in a real terminal (tmux), keys typed and pasted, screens read
// back. No Neon CLI on PATH (baseEnv strips node_modules/.bin), so the wizard asks for a key and never spawns neon.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, makeRepo, mode, read, tree } from '../helpers/repo.ts';
import { active, colourSgr, termEnv, Terminal, width } from './tmux.ts';
import { useLocalNeon } from '../fixtures/local-neon.ts';

const PROJECT = 'winter-sun-12345678';
const sessions: Terminal[] = [];

afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});
afterAll(cleanupTempDirs);

async function open(
  repo: string,
  o: { cols?: number; rows?: number; env?: Record<string, string | undefined>; args?: string[] } = {},
) {
  const t = await Terminal.start({
    cwd: repo,
    args: o.args ?? ['--no-verify'],
    env: o.env ?? termEnv(),
    cols: o.cols,
    rows: o.rows ?? 50,
  });
  sessions.push(t);
  return t;
}

/** A fresh key each run, with characters that appear nowhere else on screen. */
function apiKey(): string {
  return `napi_${randomBytes(24).toString('hex')}QzXj`;
}

/** Every 5-character window of the secret: none may appear on any screen. */
function leaks(secret: string, screens: string[]): string[] {
  const found = new Set<string>();
  for (let i = 0; i + 5 <= secret.length; i++) {
    const w = secret.slice(i, i + 5);
    if (screens.some((s) => s.includes(w))) found.add(w);
  }
  return [...found];
}

/** The prompts in order, with what moves past each one (the defaults, except a typed id and a pasted key). */
const STEPS: { prompt: string; answer: (t: Terminal, key: string) => void }[] = [
  {
    prompt: 'Neon project id',
    answer: (t) => {
      t.type(PROJECT);
      t.keys('Enter');
    },
  },
  {
    prompt: 'Neon API key',
    answer: (t, key) => {
      t.paste(key);
      t.keys('Enter');
    },
  },
  { prompt: 'Where should the API key be kept?', answer: (t) => t.keys('Enter') },
  { prompt: 'Which agent roles?', answer: (t) => t.keys('Enter') },
  { prompt: 'Permission mode for the agents', answer: (t) => t.keys('Enter') },
  { prompt: 'Delete agent branches after how many days?', answer: (t) => t.keys('Enter') },
  { prompt: 'What data do agent branches start with?', answer: (t) => t.keys('Enter') },
  { prompt: 'Write these files?', answer: (t) => t.keys('Enter') },
];

describe('the wizard in a real terminal', () => {
  it('typed id, pasted key, roles toggled with arrows and space, plan accepted: files written, key never on screen', async () => {
    const repo = makeRepo({ 'package.json': JSON.stringify({ name: 'app' }), 'package-lock.json': '{}' });
    const key = apiKey();
    const env = termEnv();
    const t = await open(repo, { env });

    let s = await t.waitFor(active('Neon project id'));
    expect(s).toMatch(/^● {2}repo .* · npm · no ORM detected · first run$/m);
    t.type(PROJECT);
    t.keys('Enter');

    s = await t.waitFor(active('Neon API key'));
    // The question and what an empty answer means fit on one 80-column line (clack does not wrap it with the bar).
    expect(s).toMatch(/^◆ {2}Neon API key \(never printed or committed; empty = use the Neon CLI login\)$/m);
    t.paste(key);
    // The mask shows one bullet per character, never the characters.
    await t.waitFor((s) => s.includes('•'.repeat(key.length)));
    t.keys('Enter');
    // Where it is kept: outside the repository, recommended and highlighted.
    s = await t.waitFor(active('Where should the API key be kept?'));
    expect(s).toMatch(/● ~\/\.config\/create-neon-agents\/credentials\.json \(recommended\)/);
    t.keys('Enter');

    // Roles: feature-developer and data-optimizer start selected; turn off data-optimizer, turn on migration-reviewer.
    s = await t.waitFor(active('Which agent roles?'));
    expect(s).toMatch(/◼ feature-developer/);
    expect(s).toMatch(/◼ data-optimizer/);
    expect(s).toMatch(/◻ migration-reviewer/);
    t.keys('Down', 'Space');
    await t.waitFor(/◻ data-optimizer/);
    t.keys('Down', 'Space');
    s = await t.waitFor(/◼ migration-reviewer/);
    expect(s).toMatch(/◼ feature-developer/);
    t.keys('Enter');
    s = await t.waitFor(active('Permission mode for the agents'));
    expect(s).toContain('feature-developer, migration-reviewer');

    // Permission mode: the highlighted default is bypassPermissions; one Up picks dontAsk.
    t.keys('Up', 'Enter');
    await t.waitFor(active('Delete agent branches after how many days?'));
    t.keys('BSpace', 'BSpace');
    t.type('7');
    t.keys('Enter');
    s = await t.waitFor(active('What data do agent branches start with?'));
    expect(s).toMatch(/● full/); // the default: a copy of the parent's data
    t.keys('Enter');

    s = await t.waitFor(active('Write these files?'));
    expect(s).toContain('.claude/agents/feature-developer.md');
    expect(s).toContain('.claude/agents/migration-reviewer.md');
    expect(s).not.toContain('.claude/agents/data-optimizer.md');
    expect(existsSync(path.join(repo, '.claude')), 'nothing is written before the plan is accepted').toBe(false);
    t.keys('Enter');

    expect(await t.exitCode()).toBe(0);
    const final = await t.waitFor('Each agent now gets its own worktree and its own Neon branch.');
    expect(final).toMatch(/Wrote \d+ files/);
    expect(final).toContain('Next steps');
    expect(final, 'with the pasted key nothing needs the Neon CLI').not.toContain('Install the Neon CLI');

    // The files: the chosen roles and nothing else, the answers in the manifest, the key only in .env (0600).
    expect(readdirSync(path.join(repo, '.claude/agents')).sort()).toEqual([
      'feature-developer.md',
      'migration-reviewer.md',
    ]);
    const manifest = JSON.parse(read(repo, '.claude/neon-agents.json'));
    expect(manifest.answers).toMatchObject({
      projectId: PROJECT,
      roles: ['feature-developer', 'migration-reviewer'],
      permissionMode: 'dontAsk',
      branchTtlDays: 7,
    });
    expect(read(repo, '.claude/agents/feature-developer.md')).toContain('permissionMode: dontAsk');
    // The key only in the user credentials file (0600 in a 0700 folder), and not one file of the repo holds it.
    const store = path.join(env.HOME!, '.config/create-neon-agents');
    expect(JSON.parse(readFileSync(path.join(store, 'credentials.json'), 'utf8'))).toEqual({
      projects: { [PROJECT]: { apiKey: key } },
    });
    expect(statSync(path.join(store, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(statSync(store).mode & 0o777).toBe(0o700);
    expect(read(repo, '.env')).toContain(`NEON_PROJECT_ID=${PROJECT}`);
    expect(mode(repo, '.env')).toBe(0o600);
    for (const [file, text] of Object.entries(tree(repo)))
      expect(text, `${file} must not hold the key`).not.toContain(key);
    // Claude's file tools are denied the file that holds it.
    expect(JSON.parse(read(repo, '.claude/settings.local.json')).permissions.deny).toEqual([
      `Read(/${path.join(store, 'credentials.json')})`,
    ]);

    // The key never reached the screen: not on any screen captured along the way, nor in the whole scrollback.
    t.capture({ scrollback: true });
    t.capture({ scrollback: true, escapes: true });
    expect(t.captures.length).toBeGreaterThan(5);
    expect(leaks(key, t.captures)).toEqual([]);
  });

  it('re-prompts an invalid project id, saying what a valid one looks like', async () => {
    const repo = makeRepo();
    const t = await open(repo);
    await t.waitFor(active('Neon project id'));
    t.type('My Project');
    t.keys('Enter');
    const s = await t.waitFor(/^▲\s+Neon project id/m);
    const msg = s.replace(/\s+/g, ' ');
    expect(msg).toContain('"My Project" is not a Neon project id');
    expect(msg).toContain('looks like "winter-sun-12345678"');
    // Still the same prompt, input kept for editing: fix it and carry on.
    for (let i = 0; i < 'My Project'.length; i++) t.keys('BSpace');
    t.type(PROJECT);
    t.keys('Enter');
    await t.waitFor(active('Neon API key'));
    expect(t.exited()).toBe(false);
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
  });

  describe('Ctrl-C exits 130 and writes nothing', () => {
    it.each(STEPS.map((s, i) => [s.prompt, i] as const))('at "%s"', async (_prompt, index) => {
      const repo = makeRepo({ '.env': 'DATABASE_URL=postgres://localhost/app\n' }, { commit: false });
      const before = tree(repo);
      const key = apiKey();
      const t = await open(repo);
      for (let i = 0; i < index; i++) {
        await t.waitFor(active(STEPS[i]!.prompt));
        STEPS[i]!.answer(t, key);
      }
      await t.waitFor(active(STEPS[index]!.prompt));
      t.keys('C-c');
      expect(await t.exitCode()).toBe(130);
      const s = await t.waitFor(/Cancel/);
      expect(s).not.toContain('Wrote');
      expect(tree(repo)).toEqual(before);
    });
  });

  it('renders readably in 40 columns: no line wider than the terminal, prompts and the plan visible', async () => {
    const repo = makeRepo({
      'package.json': JSON.stringify({ name: 'app', dependencies: { '@prisma/client': '6' } }),
      'pnpm-lock.yaml': '',
    });
    const key = apiKey();
    const t = await open(repo, { cols: 40, rows: 200 });
    for (const step of STEPS.slice(0, -1)) {
      await t.waitFor(active(step.prompt.split(' ').slice(0, 2).join(' ')));
      step.answer(t, key);
    }
    await t.waitFor(active('Write these files?'));
    t.keys('Enter');
    expect(await t.exitCode()).toBe(0);
    // -J joins the lines the terminal itself wrapped: what is left is what the program laid out.
    const screen = t.capture({ join: true, scrollback: true });
    const wide = screen.split('\n').filter((l) => width(l.trimEnd()) > 40);
    expect(wide, 'lines wider than 40 columns (soft-wrapped by the terminal, not laid out by the program)').toEqual([]);
    for (const text of [
      'Neon project id',
      'Neon API key',
      'Which agent roles?',
      'Permission mode',
      'Write these files?',
      'Next steps',
    ]) {
      expect(screen).toContain(text);
    }
    // Every file of the plan is named on one line, whole (not broken mid-name).
    for (const f of [
      '.claude/agents/feature-developer.md',
      '.claude/hooks/neon-worktree.mjs',
      '.claude/settings.json',
      '.env.example',
    ]) {
      expect(screen, f).toContain(f);
    }
    expect(leaks(key, t.captures)).toEqual([]);
  });

  it('NO_COLOR=1: no SGR colour codes anywhere (and without it there are some)', async () => {
    // Define "no colour": no Select Graphic Rendition sequence that sets a foreground or background colour
    // (30–37, 38;…, 40–47, 48;…, 90–97, 100–107). Cursor movement is inherent to a TUI and not checked.
    const run = async (env: Record<string, string | undefined>) => {
      const repo = makeRepo();
      const t = await open(repo, { env });
      await t.waitFor(active('Neon project id'));
      t.type('bad id');
      t.keys('Enter');
      await t.waitFor(/^▲/m);
      for (let i = 0; i < 6; i++) t.keys('BSpace');
      t.type(PROJECT);
      t.keys('Enter');
      await t.waitFor(active('Neon API key'));
      t.keys('Enter');
      await t.waitFor(active('Which agent roles?'));
      const screens = [t.capture({ escapes: true })];
      // From the roles on (no key: nothing to keep, so no key-store question).
      for (const step of STEPS.slice(STEPS.findIndex((x) => x.prompt === 'Which agent roles?'))) {
        await t.waitFor(active(step.prompt));
        t.keys('Enter');
      }
      expect(await t.exitCode()).toBe(0);
      screens.push(t.capture({ escapes: true, scrollback: true }));
      return screens.join('\n');
    };
    const coloured = await run(termEnv());
    expect(colourSgr(coloured).length, 'control: a colour terminal does get colour').toBeGreaterThan(0);
    const plain = await run(termEnv({ NO_COLOR: '1' }));
    expect(colourSgr(plain)).toEqual([]);
    // Nor any other text attribute (bold, dim, inverse…): only resets, if anything.
    expect([...plain.matchAll(/\x1b\[([0-9;:]*)m/g)].map((m) => m[0]).filter((e) => !/^\x1b\[0*m$/.test(e))).toEqual(
      [],
    );
  });

  it('CI=1 in a terminal: never prompts; the first line is the non-interactive command', async () => {
    const repo = makeRepo();
    const t = await open(repo, { env: termEnv({ CI: '1' }) });
    expect(await t.exitCode()).toBe(2);
    const s = t.capture();
    expect(s.split('\n')[0]).toMatch(/^Non-interactive equivalent: npx create-neon-agents@latest --yes --project-id /);
    expect(s).toContain('Missing --project-id');
    expect(s).not.toMatch(/^[◆▲]/m);
  });
});

describe("a file of the user's that a template would replace", () => {
  const mine = '---\nname: feature-developer\ndescription: our own\n---\nOur own instructions.\n';
  async function upToOverwrite(repo: string) {
    const t = await open(repo, {
      args: [
        '--no-verify',
        '--project-id',
        PROJECT,
        '--api-key',
        apiKey(),
        '--roles',
        'feature-developer',
        '--permission-mode',
        'plan',
        '--branch-ttl',
        '7',
        '--agent-data',
        'full',
        '--key-store',
        'user',
      ],
    });
    const s = await t.waitFor(active('Replace your .claude/agents/feature-developer.md?'));
    expect(s).toContain('Keep yours');
    return t;
  }

  it('is kept by default, shown as a diff on request, and overwritten only when chosen', async () => {
    const keep = makeRepo({ '.claude/agents/feature-developer.md': mine });
    const t = await upToOverwrite(keep);
    t.keys('Down', 'Down', 'Enter'); // Show the difference
    let s = await t.waitFor(/- Our own instructions\./);
    expect(s).toMatch(/\+ You are a feature developer/);
    await t.waitFor(active('Replace your'));
    t.keys('Enter'); // Keep yours (the default)
    await t.waitFor(active('Write these files?'));
    t.keys('Enter');
    expect(await t.exitCode()).toBe(0);
    expect(read(keep, '.claude/agents/feature-developer.md')).toBe(mine);

    const over = makeRepo({ '.claude/agents/feature-developer.md': mine });
    const u = await upToOverwrite(over);
    u.keys('Down', 'Enter'); // Overwrite it
    s = await u.waitFor(active('Write these files?'));
    expect(s).toMatch(/update:?[\s│]+\.claude\/agents\/feature-developer\.md/);
    u.keys('Enter');
    expect(await u.exitCode()).toBe(0);
    expect(read(over, '.claude/agents/feature-developer.md')).toContain('permissionMode: plan');
    expect(
      JSON.parse(read(over, '.claude/neon-agents.json')).files['.claude/agents/feature-developer.md'],
    ).toBeDefined();
  });
});

describe('Ctrl-C while a spinner runs', () => {
  it('exits 130 during the online check, and writes nothing', async () => {
    // A Neon API that accepts connections and never answers: the real Neon CLI waits, the spinner spins.
    const net = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const server = net.createServer((sock) => held.push(sock));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    try {
      const repo = makeRepo();
      const before = tree(repo);
      const env = termEnv({ NEON_API_HOST: `http://127.0.0.1:${port}/api/v2`, NO_PROXY: '127.0.0.1' });
      env.PATH = `${path.resolve(import.meta.dirname, '../../node_modules/.bin')}:${env.PATH}`;
      const t = await open(repo, {
        env,
        args: [
          '--project-id',
          PROJECT,
          '--api-key',
          apiKey(),
          '--roles',
          'feature-developer',
          '--permission-mode',
          'plan',
          '--branch-ttl',
          '3',
          '--agent-data',
          'full',
          '--key-store',
          'user',
        ],
      });
      await t.waitFor(/Checking Neon project/, 10_000);
      t.keys('C-c');
      expect(await t.exitCode(10_000)).toBe(130);
      expect(tree(repo)).toEqual(before);
    } finally {
      for (const s of held) s.destroy();
      server.close();
    }
  });
});

describe('the database variables', () => {
  it('shows what the app reads and why; "no" lets the user name them', async () => {
    const repo = makeRepo({
      'package.json': JSON.stringify({ name: 'app', dependencies: { 'drizzle-orm': '1' } }),
      'package-lock.json': '{}',
      'drizzle.config.ts':
        'export default { dialect: "postgresql", dbCredentials: { url: process.env.POSTGRES_URL! } };\n',
    });
    const t = await open(repo, { cols: 100 });
    await t.waitFor(active('Neon project id'));
    t.type(PROJECT);
    t.keys('Enter');
    await t.waitFor(active('Neon API key'));
    t.keys('Enter');
    let s = await t.waitFor(active('Use these variables?'));
    expect(s).toContain('Database URL variable: POSTGRES_URL (drizzle.config.ts:1, dbCredentials.url)');
    expect(s).toContain('Direct URL variable: none (the app names none)');
    t.keys('Right', 'Enter'); // No
    await t.waitFor(active('Variable the app reads its database URL from'));
    for (let i = 0; i < 'POSTGRES_URL'.length; i++) t.keys('BSpace');
    t.type('bad-name');
    t.keys('Enter');
    s = await t.waitFor(/^▲\s+Variable the app reads/m);
    expect(s.replace(/\s+/g, ' ')).toContain('must be an environment variable name');
    for (let i = 0; i < 'bad-name'.length; i++) t.keys('BSpace');
    t.type('APP_DB_URL');
    t.keys('Enter');
    await t.waitFor(active('Variable for the direct (unpooled) URL'));
    t.type('APP_DB_DIRECT');
    t.keys('Enter');
    for (const prompt of [
      'Which agent roles?',
      'Permission mode for the agents',
      'Delete agent branches after how many days?',
      'What data do agent branches start with?',
      'Write these files?',
    ]) {
      await t.waitFor(active(prompt));
      t.keys('Enter');
    }
    expect(await t.exitCode()).toBe(0);
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers).toMatchObject({
      databaseUrlVar: 'APP_DB_URL',
      directUrlVar: 'APP_DB_DIRECT',
    });
    expect(read(repo, '.claude/agents/feature-developer.md')).toContain('`APP_DB_URL` in `.env`');
  });
});

describe('the credentials are checked as soon as they are entered', () => {
  // The local Neon (the Neon API on a real PostgreSQL): with a key the check is one API request, no CLI involved.
  const ln = useLocalNeon();
  it('a rejected key is asked for again (answers kept), and the run goes on once Neon accepts one', async () => {
    const env = termEnv({ NEON_API_HOST: ln.local.apiHost, NO_PROXY: '127.0.0.1' });
    const repo = makeRepo();
    const t = await open(repo, { env, args: ['--roles', 'feature-developer'], cols: 100 });
    await t.waitFor(active('Neon project id'));
    t.type(ln.local.projectId);
    t.keys('Enter');
    await t.waitFor(active('Neon API key'), 10_000);
    t.paste('napi_badKeyQzXj0000000');
    t.keys('Enter');
    await t.waitFor(active('Where should the API key be kept?'));
    t.keys('Enter');
    let s = await t.waitFor(/Neon rejected this API key/, 10_000);
    await t.waitFor(active('Neon API key'));
    expect(existsSync(path.join(repo, '.claude')), 'nothing written, nothing lost: the wizard asks again').toBe(false);
    t.paste(ln.local.apiKey);
    t.keys('Enter');
    s = await t.waitFor(active('Permission mode for the agents'), 10_000);
    expect(s).toContain(`Checking Neon project ${ln.local.projectId}: `);
    for (const prompt of [
      'Permission mode for the agents',
      'Delete agent branches after how many days?',
      'What data do agent branches start with?',
      'Write these files?',
    ]) {
      await t.waitFor(active(prompt));
      t.keys('Enter');
    }
    expect(await t.exitCode(10_000)).toBe(0);
    // The accepted key, not the rejected one, is what was kept (outside the repo: the recommended store).
    expect(
      JSON.parse(readFileSync(path.join(env.HOME!, '.config/create-neon-agents/credentials.json'), 'utf8')).projects[
        ln.local.projectId
      ].apiKey,
    ).toBe(ln.local.apiKey);
    // Checked in the wizard only (the rejected try, then the accepted one): not again after the questions.
    const all = t.capture({ scrollback: true });
    expect(all.match(/Checking Neon project/g)).toHaveLength(2);
    expect(all).toContain('API key rejected');
    const checks = ln.local.requests.filter((q) => q.path === `/projects/${ln.local.projectId}`);
    expect(checks.map((q) => q.status)).toEqual([401, 200]);
  });

  it('a key that is not Neon-shaped is refused at the prompt, naming the fix', async () => {
    const repo = makeRepo();
    const t = await open(repo, { args: ['--no-verify', '--roles', 'feature-developer'], cols: 120 });
    await t.waitFor(active('Neon project id'));
    t.type(PROJECT);
    t.keys('Enter');
    await t.waitFor(active('Neon API key'), 10_000);
    t.paste('"napi_abc$(touch /tmp/x)"');
    t.keys('Enter');
    await t.waitFor(/letters, digits, _ and - only/, 10_000);
    expect(existsSync(path.join(repo, '.claude'))).toBe(false);
  });
});
