// `npm run bench`: how fast and light create-neon-agents is, measured against anchors run side by side in this
// same invocation (so a busy or slow machine shifts both sides alike). Prints a Markdown table and writes it to
// bench/RESULTS.md. Every time is the median of several runs; runs of a measure and its anchor are interleaved.
//
//   1. `create-neon-agents --help` vs `create-vite --help` and vs `node -e 0` (the floor: Node's own start-up)
//  1b. `doctor` and `--check` in a set-up repo vs `--help`, and the code each command loads (chunk sizes)
//   2. a full non-interactive scaffold of a fresh git repo vs `node -e 0` (and create-vite's, for scale)
//   3. packed tarball and installed size vs create-vite's (both packed and installed here, offline)
//   4. provisioning one new worktree against the local Neon (dev/local-neon), vs a script doing what the original
//      Neon guide's hook does with the real Neon CLI (branches get → branches create → connection-string): Neon CLI
//      processes (counted by a shim on PATH), HTTP requests (the emulator's request log), wall time, runtime size
//  4b. one new worktree of a repository with 3,000 source files, with the latency model: the branch creation and the
//      checkout overlap, against the two one after the other
//   5. eight worktrees created at once vs one: with zero latency, with a latency model (a branch creation takes
//      about a second, Neon's own figure), and with Neon's 423 for overlapping operations (the platform's floor)
//
// Not a test: nothing here fails on a missed goal; the table says which goals are met.
// BENCH_RUNS=<n> scales the number of runs (default: 31 for start-up, 7 for scaffolds, 5 for provisioning, 3 batches of 8);
// BENCH_ONLY=1,4 runs only some parts (then bench/RESULTS.md is left alone).
import { parseEnv } from '../src/shared/env-file.ts';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalNeon, type LocalNeon } from './local-neon/index.ts';

const readIfExists = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');

// dist/dev/bench.mjs → the repository root (also right when run from source, dev/bench.ts, via a TS loader).
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = existsSync(path.join(HERE, '../package.json')) ? path.resolve(HERE, '..') : path.resolve(HERE, '../..');
const CLI = path.join(ROOT, 'dist/cli.mjs');
const NEON_REAL = path.join(ROOT, 'node_modules/.bin/neon');
const VITE_DIR = path.join(ROOT, 'node_modules/create-vite');
const VITE_PKG = JSON.parse(readFileSync(path.join(VITE_DIR, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string> | string;
};
const VITE_BIN = path.join(VITE_DIR, typeof VITE_PKG.bin === 'string' ? VITE_PKG.bin : VITE_PKG.bin['create-vite']!);
const OUR_PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const PROJECT_ID = 'winter-sun-12345678';

const scale = Number(process.env.BENCH_RUNS) || 0;
const N_START = scale || 31;
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const part = (n: string) => ONLY.length === 0 || ONLY.includes(n);
const N_SCAFFOLD = scale || 7;
const N_PROV = scale || 5;
const N_PARALLEL = Math.max(3, Math.round(scale / 2));
const PARALLEL = 8;

const started = Date.now();
const loadAtStart = os.loadavg()[0]!;
const work = mkdtempSync(path.join(os.tmpdir(), 'cna-bench-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────────────

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(
  cmd: string,
  args: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      cwd: o.cwd ?? work,
      env: o.env ?? cleanEnv(),
      stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 }),
    );
    if (o.input !== undefined) child.stdin!.end(o.input);
  });
}

async function ok(cmd: string, args: string[], o: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(cmd, args, o);
  if (r.code !== 0)
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs each case n times (after one unrecorded warm-up), interleaved, rotating the order every round. */
async function interleaved<K extends string>(
  n: number,
  cases: Record<K, (i: number) => Promise<number>>,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(cases) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of keys) await cases[k](-1);
  for (let i = 0; i < n; i++) {
    const order = keys.map((_, j) => keys[(i + j) % keys.length]!);
    for (const k of order) out[k].push(await cases[k](i));
  }
  return out;
}

/** Environment of a person's shell: no Neon credentials, no CI or coding-agent hints, no node_modules/.bin. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      v === undefined ||
      /^(npm_.*|neon_.*|ci|claudecode|claude_code_.*|cursor_agent|codex_sandbox|gemini_cli|aider_model|opencode|agent|https?_proxy|all_proxy)$/i.test(
        k,
      )
    )
      continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => !d.includes('node_modules'))
    .join(path.delimiter);
  env.HOME = path.join(work, 'home');
  delete env.XDG_CONFIG_HOME; // the user credentials file goes into the bench's own home
  env.NO_COLOR = '1';
  env.NO_UPDATE_NOTIFIER = '1';
  env.GIT_CONFIG_GLOBAL = path.join(work, 'home/.gitconfig');
  return { ...env, ...extra };
}

async function gitRepo(dir: string, sourceFiles = 0): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const env = cleanEnv();
  await ok('git', ['init', '-q', '-b', 'main', dir], { env });
  writeFileSync(path.join(dir, 'README.md'), '# app\n');
  // An app's source tree: folders of 100 small modules each.
  for (let i = 0; i < sourceFiles; i++) {
    const folder = path.join(dir, 'src', `module-${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `file-${i % 100}.ts`), `export const value${i} = ${i};\n`.repeat(20));
  }
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: path.basename(dir), private: true }, null, 2) + '\n',
  );
  await ok('git', ['add', '-A'], { cwd: dir, env });
  await ok('git', ['commit', '-q', '-m', 'initial'], { cwd: dir, env });
  return dir;
}

const ms = (x: number) =>
  x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`;
const kb = (x: number) => (x >= 1024 * 1024 ? `${(x / 1024 / 1024).toFixed(2)} MB` : `${(x / 1024).toFixed(1)} kB`);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

interface Row {
  n: string;
  measure: string;
  ours: string;
  anchor: string;
  ratio: string;
  goal: string;
  met: boolean | null;
}
const rows: Row[] = [];
const notes: string[] = [];

// ── 1. start-up ──────────────────────────────────────────────────────────────────────────────────────────────────

async function startup(): Promise<void> {
  log(`1. --help: ${N_START} runs each of create-neon-agents, create-vite and node -e 0`);
  const help = (args: string[]) => async () => {
    const r = await ok(process.execPath, args);
    return r.ms;
  };
  const t = await interleaved(N_START, {
    ours: help([CLI, '--help']),
    vite: help([VITE_BIN, '--help']),
    floor: help(['-e', '0']),
  });
  const [o, v, f] = [median(t.ours), median(t.vite), median(t.floor)];
  rows.push({
    n: '1',
    measure: '`--help` wall time',
    ours: ms(o),
    anchor: `create-vite ${ms(v)}`,
    ratio: ratio(o, v),
    goal: 'no slower than create-vite (≤ 1.00×)',
    met: o <= v,
  });
  rows.push({
    n: '1',
    measure: '`--help` wall time',
    ours: ms(o),
    anchor: `\`node -e 0\` ${ms(f)}`,
    ratio: ratio(o, f),
    goal: '(the floor: Node start-up)',
    met: null,
  });
  notes.push(`\`--help\` costs ${ms(o - f)} above Node's own start-up (create-vite: ${ms(v - f)}).`);
}

// ── 1b. the other commands' start-up: what each loads ───────────────────────────────────────────────────────────

/** The files a command loads (a module-loader hook records every URL), with their sizes and what they hold. */
function loadedBy(
  args: string[],
  cwd: string,
): { files: string[]; bytes: number; prompts: boolean; templates: boolean } {
  const dir = path.join(work, 'loader');
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `loaded-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(
    path.join(dir, 'hook.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { if (url.startsWith('file:')) appendFileSync(process.env.BENCH_LOADED, url + '\\n'); return next(url, context); }\n`,
  );
  writeFileSync(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister('./hook.mjs', import.meta.url);\n`,
  );
  spawnSync(process.execPath, ['--import', path.join(dir, 'register.mjs'), CLI, ...args], {
    cwd,
    env: cleanEnv({ BENCH_LOADED: out, HOME: path.join(work, 'home') }),
    stdio: 'ignore',
  });
  const files = [...new Set(readIfExists(out).split('\n').filter(Boolean))].map((u) => fileURLToPath(u));
  const texts = files.map((f) => readIfExists(f));
  return {
    files,
    bytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0),
    // Markers that survive minification: clack's prompt symbol, handlebars' partial registry.
    prompts: texts.some((t) => /[\w$]+\("\\u25C6","\*"\)/.test(t)),
    templates: texts.some((t) => t.includes('registerPartial')),
  };
}

async function commandStartup(): Promise<void> {
  log(`1b. doctor and --check start-up: ${N_START} runs each, with --help and node -e 0 interleaved`);
  const repo = await gitRepo(path.join(work, 'commands'));
  await ok(process.execPath, [CLI, '--yes', '--no-verify', '--project-id', PROJECT_ID], { cwd: repo });
  const cli = (args: string[]) => async () => (await run(process.execPath, [CLI, ...args], { cwd: repo })).ms;
  const t = await interleaved(N_START, {
    help: cli(['--help']),
    doctor: cli(['doctor', '--no-verify']),
    check: cli(['--check']),
    floor: async () => (await ok(process.execPath, ['-e', '0'])).ms,
  });
  const [h, d, c, f] = [median(t.help), median(t.doctor), median(t.check), median(t.floor)];
  const loads = {
    help: loadedBy(['--help'], repo),
    doctor: loadedBy(['doctor', '--no-verify'], repo),
    check: loadedBy(['--check'], repo),
    init: loadedBy(['--yes', '--no-verify', '--dry-run', '--project-id', PROJECT_ID], repo),
  };
  const what = (l: (typeof loads)['help']) =>
    `${kb(l.bytes)} in ${l.files.length} files${l.prompts ? ', prompts' : ''}${l.templates ? ', templates' : ''}`;
  rows.push({
    n: '1b',
    measure: '`doctor --no-verify` wall time (its own work: git, the files, every worktree)',
    ours: ms(d),
    anchor: `\`--help\` ${ms(h)}`,
    ratio: ratio(d, h),
    goal: `(reported) loads ${what(loads.doctor)}: no prompts, no templates`,
    met: !loads.doctor.prompts && !loads.doctor.templates,
  });
  rows.push({
    n: '1b',
    measure: '`--check` wall time (renders every template to compare)',
    ours: ms(c),
    anchor: `\`--help\` ${ms(h)}`,
    ratio: ratio(c, h),
    goal: `(reported) loads ${what(loads.check)}: no prompts`,
    met: !loads.check.prompts,
  });
  notes.push(
    `Code each command loads: \`--help\` ${what(loads.help)}; \`doctor\` ${what(loads.doctor)}; \`--check\` ${what(loads.check)}; a run (\`--yes --dry-run\`) ${what(loads.init)}. Node's own start-up: ${ms(f)}.`,
  );
}

// ── 2. scaffold ──────────────────────────────────────────────────────────────────────────────────────────────────

async function scaffold(): Promise<void> {
  log(
    `2. scaffold: ${N_SCAFFOLD} fresh repos each (create-neon-agents --yes --no-verify; create-vite vanilla-ts; node -e 0)`,
  );
  const t = await interleaved(N_SCAFFOLD, {
    ours: async (i) => {
      const repo = await gitRepo(path.join(work, 'scaffold', `ours-${i + 1}`));
      const r = await ok(process.execPath, [CLI, '--yes', '--no-verify', '--project-id', PROJECT_ID], { cwd: repo });
      if (!existsSync(path.join(repo, '.claude/hooks/neon-worktree.mjs')))
        throw new Error('the scaffold wrote no runtime');
      return r.ms;
    },
    vite: async (i) => {
      const dir = path.join(work, 'scaffold', `vite-${i + 1}`);
      mkdirSync(dir, { recursive: true });
      const r = await ok(
        process.execPath,
        [VITE_BIN, 'app', '--template', 'vanilla-ts', '--no-interactive', '--no-immediate'],
        { cwd: dir },
      );
      return r.ms;
    },
    floor: async () => (await ok(process.execPath, ['-e', '0'])).ms,
  });
  const [o, v, f] = [median(t.ours), median(t.vite), median(t.floor)];
  rows.push({
    n: '2',
    measure: 'full scaffold of a fresh git repo (`--yes --no-verify`)',
    ours: ms(o),
    anchor: `\`node -e 0\` ${ms(f)}`,
    ratio: ratio(o, f),
    goal: '(reported)',
    met: null,
  });
  notes.push(
    `For scale, \`create-vite app --template vanilla-ts --no-interactive\` (copies a template, no git, no detection) took ${ms(v)} in the same runs.`,
  );
}

// ── 3. sizes ─────────────────────────────────────────────────────────────────────────────────────────────────────

interface Packed {
  file: string;
  size: number;
  unpacked: number;
  files: number;
}

function packed(stdout: string, dest: string): Packed {
  const j = (
    JSON.parse(stdout) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }>
  )[0]!;
  return { file: path.join(dest, j.filename), size: j.size, unpacked: j.unpackedSize, files: j.entryCount };
}

async function packOurs(dest: string): Promise<Packed> {
  const r = await ok('npm', ['pack', ROOT, '--json', '--ignore-scripts', '--pack-destination', dest], {
    env: cleanEnv({ npm_config_cache: path.join(work, 'npm-cache'), npm_config_loglevel: 'error' }),
  });
  return packed(r.stdout, dest);
}

/**
 * create-vite as published: its registry tarball, from the npm cache `npm ci` filled (else the registry). Packing
 * node_modules/create-vite as a folder is no good: npm leaves its template-* folders out there.
 */
async function packVite(dest: string): Promise<Packed> {
  const registry = (process.env.npm_config_registry || 'https://registry.npmjs.org/').replace(/\/?$/, '/');
  const url = `${registry}create-vite/-/create-vite-${VITE_PKG.version}.tgz`;
  const cache =
    process.env.npm_config_cache || spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  let last = '';
  for (const mode of ['--offline', '--prefer-offline']) {
    const r = await run('npm', ['pack', url, '--json', '--ignore-scripts', mode, '--pack-destination', dest], {
      env: cleanEnv({ npm_config_cache: cache, npm_config_loglevel: 'error' }),
    });
    if (r.code === 0) return packed(r.stdout, dest);
    last = r.stderr;
  }
  throw new Error(`npm pack ${url} failed:\n${last}`);
}

/** Installs a tarball alone into an empty project (offline, empty cache) and returns node_modules' size on disk. */
async function installedSize(tgz: string, name: string): Promise<{ disk: number; deps: number }> {
  const project = path.join(work, 'install', name);
  mkdirSync(project, { recursive: true });
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: `bench-${name}`, private: true }) + '\n');
  await ok('npm', ['install', tgz, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], {
    cwd: project,
    env: cleanEnv({ npm_config_cache: path.join(work, `npm-cache-${name}`), npm_config_loglevel: 'error' }),
  });
  const du = await ok('du', ['-sk', path.join(project, 'node_modules')]);
  const deps =
    (
      await ok('npm', ['ls', '--all', '--parseable'], { cwd: project, env: cleanEnv({ npm_config_loglevel: 'error' }) })
    ).stdout
      .trim()
      .split('\n').length - 2;
  return { disk: Number(du.stdout.split(/\s/)[0]) * 1024, deps };
}

async function sizes(): Promise<void> {
  log('3. sizes: npm pack + offline install of both packages');
  const dest = path.join(work, 'packs');
  mkdirSync(dest, { recursive: true });
  const ours = await packOurs(dest);
  const vite = await packVite(dest);
  const [oi, vi] = [await installedSize(ours.file, 'ours'), await installedSize(vite.file, 'vite')];
  rows.push({
    n: '3',
    measure: 'packed tarball (`npm pack`)',
    ours: `${kb(ours.size)} (${ours.files} files)`,
    anchor: `create-vite ${kb(vite.size)} (${vite.files} files)`,
    ratio: ratio(ours.size, vite.size),
    goal: '(reported)',
    met: null,
  });
  rows.push({
    n: '3',
    measure: 'installed alone (`du` of node_modules)',
    ours: `${kb(oi.disk)}, ${oi.deps} deps`,
    anchor: `create-vite ${kb(vi.disk)}, ${vi.deps} deps`,
    ratio: ratio(oi.disk, vi.disk),
    goal: 'zero dependencies',
    met: oi.deps === 0,
  });
  notes.push(
    `Unpacked bytes: ours ${kb(ours.unpacked)} in ${ours.files} files, create-vite ${kb(vite.unpacked)} in ${vite.files} files (mostly its project templates; \`du\` counts whole 4 kB blocks).`,
  );
}

// ── 4 + 5. provisioning ─────────────────────────────────────────────────────────────────────────────────────────

const BASELINE_SH = `#!/bin/sh
# What the original Neon guide's post-checkout hook does for a new worktree, made comparable: the worktree, then
# three Neon CLI processes (is the branch there? create it; its pooled connection string), then the env file.
set -e
name="$1"; dir="$2"
git worktree add -q -b "$name" "$dir"
if ! neon branches get "$name" --project-id "$NEON_PROJECT_ID" --no-analytics >/dev/null 2>&1; then
  neon branches create --name "$name" --project-id "$NEON_PROJECT_ID" --no-analytics >/dev/null
fi
url=$(neon connection-string "$name" --project-id "$NEON_PROJECT_ID" --pooled --no-analytics)
printf 'DATABASE_URL=%s\\n' "$url" > "$dir/.env"
`;

async function provisioning(): Promise<void> {
  log('4. provisioning: starting the local Neon');
  const t0 = Date.now();
  const local: LocalNeon = await startLocalNeon({ branchLimit: 1000 });
  log(`   local Neon up in ${ms(Date.now() - t0)}`);
  try {
    // A shim named `neon` first on PATH counts every Neon CLI process, for both sides alike.
    const shimDir = path.join(work, 'shim');
    mkdirSync(shimDir, { recursive: true });
    // One line per process: start and end (ns), so batches show how long each CLI process really took.
    writeFileSync(
      path.join(shimDir, 'neon'),
      `#!/bin/sh\nstart=$(date +%s%N)\n"${NEON_REAL}" "$@"\nrc=$?\necho "$start $(date +%s%N)" >> "$BENCH_NEON_LOG"\nexit $rc\n`,
    );
    chmodSync(path.join(shimDir, 'neon'), 0o755);
    const baselineSh = path.join(work, 'baseline-hook.sh');
    writeFileSync(baselineSh, BASELINE_SH);
    chmodSync(baselineSh, 0o755);
    let logN = 0;
    const neonEnv = (extra: NodeJS.ProcessEnv = {}) => {
      const env = cleanEnv({
        ...local.env,
        NEON_CONFIG_DIR: path.join(work, 'home/.config/neon'),
        NO_PROXY: '127.0.0.1,localhost',
        no_proxy: '127.0.0.1,localhost',
        ...extra,
      });
      env.PATH = `${shimDir}${path.delimiter}${env.PATH}`;
      return env;
    };
    const spans = (f: string) =>
      (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : []).map(
        (l) => l.split(' ').map((x) => Number(x) / 1e6) as [number, number],
      );
    const count = (f: string) => spans(f).length;

    // Ours: a repository set up by the built CLI against the local project, committed.
    const repo = await gitRepo(path.join(work, 'prov', 'ours'));
    await ok(
      process.execPath,
      [CLI, '--yes', '--project-id', local.projectId, '--api-key', local.apiKey, '--no-verify'],
      { cwd: repo, env: neonEnv() },
    );
    await ok('git', ['add', '-A'], { cwd: repo, env: neonEnv() });
    await ok('git', ['commit', '-q', '-m', 'Neon branch per agent worktree'], { cwd: repo, env: neonEnv() });
    const runtime = path.join(repo, '.claude/hooks/neon-worktree.mjs');
    const base = await gitRepo(path.join(work, 'prov', 'baseline'));

    interface Sample {
      ms: number;
      procs: number;
      requests: number;
      paths: string[];
      apiMs: number;
    }
    const samples: Record<'ours' | 'baseline', Sample[]> = { ours: [], baseline: [] };
    const singleCliMs: number[] = [];

    /** One worktree-create exactly as Claude Code calls the hook: JSON on stdin, the path on stdout. */
    const oursTry = async (name: string, logFile: string): Promise<RunResult & { url?: string }> => {
      const r = await run(process.execPath, [runtime, 'worktree-create'], {
        cwd: repo,
        env: neonEnv({ CLAUDE_PROJECT_DIR: repo, BENCH_NEON_LOG: logFile }),
        input: JSON.stringify({ hook_event_name: 'WorktreeCreate', session_id: 'bench', name, cwd: repo }),
      });
      if (r.code !== 0) return r;
      const wt = r.stdout.trim().split('\n').pop()!;
      const url = parseEnv(readIfExists(path.join(wt, '.env'))).get('DATABASE_URL');
      if (!url?.startsWith('postgres')) return { ...r, code: 1, stderr: `no DATABASE_URL in ${wt}/.env\n${r.stderr}` };
      return { ...r, url };
    };
    const oursOne = async (name: string, logFile: string): Promise<RunResult> => {
      const r = await oursTry(name, logFile);
      if (r.code !== 0) throw new Error(`worktree-create ${name} failed (exit ${r.code}):\n${r.stderr}`);
      return r;
    };
    const measured = async (
      side: 'ours' | 'baseline',
      i: number,
      fn: (logFile: string) => Promise<RunResult>,
    ): Promise<number> => {
      const logFile = path.join(work, `neon-${++logN}.log`);
      const before = local.requests.length;
      const r = await fn(logFile);
      const reqs = local.requests.slice(before);
      if (i >= 0 && side === 'ours') singleCliMs.push(...spans(logFile).map(([a, z]) => z - a));
      if (i >= 0)
        samples[side].push({
          ms: r.ms,
          procs: count(logFile),
          requests: reqs.length,
          apiMs: reqs.reduce((n, q) => n + q.durationMs, 0),
          paths: reqs.map((q) => `${q.method} ${q.path.replace(local.projectId, ':project')} → ${q.status}`),
        });
      return r.ms;
    };

    log(
      `   ${N_PROV} worktrees each, interleaved: the WorktreeCreate hook vs the guide's three-command script (and \`neon --version\`)`,
    );
    const cli = await interleaved(N_PROV, {
      neon: async () => (await ok(NEON_REAL, ['--version'], { env: neonEnv() })).ms,
      ours: (i) => measured('ours', i, (lf) => oursOne(`one-${i + 2}`, lf)),
      baseline: (i) =>
        measured('baseline', i, async (lf) => {
          const name = `guide-${i + 2}`;
          const dir = path.join(work, 'prov', 'baseline-wt', name);
          const r = await ok(baselineSh, [name, dir], {
            cwd: base,
            env: neonEnv({ BENCH_NEON_LOG: lf, NEON_PROJECT_ID: local.projectId }),
          });
          if (
            !parseEnv(readFileSync(path.join(dir, '.env'), 'utf8'))
              .get('DATABASE_URL')
              ?.startsWith('postgres')
          )
            throw new Error(`baseline wrote no DATABASE_URL in ${dir}`);
          return r;
        }),
    });

    const med = (side: 'ours' | 'baseline', k: 'ms' | 'procs' | 'requests' | 'apiMs') =>
      median(samples[side].map((s) => s[k]));
    const [oMs, bMs] = [med('ours', 'ms'), med('baseline', 'ms')];
    const [oP, bP] = [med('ours', 'procs'), med('baseline', 'procs')];
    const [oR, bR] = [med('ours', 'requests'), med('baseline', 'requests')];
    const guide = 'guide script';
    rows.push({
      n: '4',
      measure: 'one new worktree: Neon CLI processes',
      ours: String(oP),
      anchor: `${guide} ${bP}`,
      ratio: ratio(oP, bP),
      goal: '0 with an API key',
      met: oP === 0,
    });
    rows.push({
      n: '4',
      measure: 'one new worktree: Neon API requests',
      ours: String(oR),
      anchor: `${guide} ${bR}`,
      ratio: ratio(oR, bR),
      goal: '≤ 3 with branch-only passwords (≤ 2 without)',
      met: oR <= 3,
    });
    rows.push({
      n: '4',
      measure: 'one new worktree: wall time (zero latency)',
      ours: ms(oMs),
      anchor: `${guide} ${ms(bMs)}`,
      ratio: ratio(oMs, bMs),
      goal: '≤ 0.10× the guide (the floor: git + one Node start)',
      met: oMs * 10 <= bMs,
    });
    const rtBytes = readFileSync(runtime).length;
    rows.push({
      n: '4',
      measure: 'runtime file (`.claude/hooks/neon-worktree.mjs`, readable, not minified)',
      ours: kb(rtBytes),
      anchor: 'release 0.1.0 58.0 kB',
      ratio: ratio(rtBytes, 58_000),
      goal: '(reported; goal: no bigger)',
      met: rtBytes <= 58_000,
    });
    const cliMs = median(cli.neon);
    notes.push(
      `The Neon CLI's own start-up (\`neon --version\`, interleaved with the runs above) is ${ms(cliMs)} here: what each of the guide's three CLI processes costs before its first request, and what our runtime no longer pays.`,
    );
    notes.push(
      `Time the emulator spent answering (median per provisioning): ours ${ms(med('ours', 'apiMs'))}, the guide script ${ms(med('baseline', 'apiMs'))}.`,
    );
    notes.push(
      `Requests of one provisioning — ours: ${samples.ours[0]!.paths.join('; ')}. The guide script: ${samples.baseline[0]!.paths.join('; ')}.`,
    );

    const oneMs0 = median(samples.ours.map((s) => s.ms));
    const shimLog = path.join(work, 'neon-parallel.log');
    await parallel(
      local,
      (name) => oursTry(name, shimLog),
      (name) => oursOne(name, shimLog),
      'zero latency',
      oneMs0,
      null,
    );
    notes.push(`Neon CLI processes in all the batches at once: ${count(shimLog)}.`);
  } finally {
    await local.stop();
  }
  // The same with a latency model: Neon's own figure for a branch is "about a second" (neon.com/docs, "Branching":
  // a copy-on-write branch is created in about a second whatever the data size), so each creation is answered 1 s
  // after it arrived. The emulator's own PostgreSQL work counts within that second: on Neon it runs on Neon's servers;
  // here it already shares this machine's two cores with the very worktrees being measured, and must not also add to
  // the modelled second.
  for (const model of [
    {
      label: "latency model (a creation takes 1 s, the emulator's work included)",
      opts: { createLatencyMs: 1000 },
      goal: true,
    },
    {
      label: "latency model + Neon's 423 for overlapping operations (the platform's floor)",
      opts: { createLatencyMs: 1000, lockOverlapping: true },
      goal: false,
    },
  ]) {
    const l: LocalNeon = await startLocalNeon({ branchLimit: 1000, ...model.opts });
    try {
      const { oursTry: tryL, oursOne: oneL } = await prepareOurs(l, `lat-${model.goal ? 'a' : 'b'}`);
      const singles: number[] = [];
      for (let i = 0; i < N_PROV; i++) singles.push((await oneL(`single-${i}`)).ms);
      await parallel(l, tryL, oneL, model.label, median(singles), model.goal);
      if (model.goal) await bigCheckout(l);
    } finally {
      await l.stop();
    }
  }
}

const SOURCE_FILES = 3000;

/**
 * 4b. One new worktree of a repository with an app's source tree, with the latency model: its checkout takes a
 * while too, and the runtime sends the branch creation before it checks out, so the two overlap. The anchor is what
 * they would take one after the other: a plain `git worktree add` of the same repository (our hook told to stay
 * out), interleaved, plus the modelled second.
 */
async function bigCheckout(l: LocalNeon): Promise<void> {
  log(`4b. one new worktree in a checkout of ${SOURCE_FILES} files (latency model)`);
  const { oursOne, repo } = await prepareOurs(l, 'big', SOURCE_FILES);
  const env = cleanEnv({ NEON_AGENTS_SKIP_HOOK: '1' });
  const times = await interleaved(N_PROV, {
    ours: async (i) => (await oursOne(`big-${i + 1}`)).ms,
    plain: async (i) => {
      const dir = path.join(work, 'plain-wt', `p${i + 1}`);
      const r = await ok('git', ['worktree', 'add', '-q', '-b', `plain-${i + 1}`, dir], { cwd: repo, env });
      return r.ms;
    },
  });
  const [oursMs, plainMs] = [median(times.ours), median(times.plain)];
  const sequential = plainMs + 1000;
  rows.push({
    n: '4b',
    measure: `one new worktree of a ${SOURCE_FILES}-file app, latency model: the creation sent before the checkout`,
    ours: ms(oursMs),
    anchor: `checkout ${ms(plainMs)} + creation 1 s = ${ms(sequential)}`,
    ratio: ratio(oursMs, sequential),
    goal: '(reported) below 1.00×: the two overlap',
    met: null,
  });
}

type Try = (name: string, logFile?: string) => Promise<RunResult & { url?: string }>;

/** A repository set up by the built CLI against a local Neon, committed; and how to call its WorktreeCreate hook. */
async function prepareOurs(
  local: LocalNeon,
  tag: string,
  sourceFiles = 0,
): Promise<{ oursTry: Try; oursOne: (name: string) => Promise<RunResult>; repo: string }> {
  const env = (extra: NodeJS.ProcessEnv = {}) =>
    cleanEnv({ ...local.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', ...extra });
  const repo = await gitRepo(path.join(work, 'prov', `ours-${tag}`), sourceFiles);
  await ok(
    process.execPath,
    [CLI, '--yes', '--project-id', local.projectId, '--api-key', local.apiKey, '--no-verify'],
    { cwd: repo, env: env() },
  );
  await ok('git', ['add', '-A'], { cwd: repo, env: env() });
  await ok('git', ['commit', '-q', '-m', 'Neon branch per agent worktree'], { cwd: repo, env: env() });
  const runtime = path.join(repo, '.claude/hooks/neon-worktree.mjs');
  const oursTry: Try = async (name) => {
    const r = await run(process.execPath, [runtime, 'worktree-create'], {
      cwd: repo,
      env: env({ CLAUDE_PROJECT_DIR: repo }),
      input: JSON.stringify({ hook_event_name: 'WorktreeCreate', session_id: 'bench', name, cwd: repo }),
    });
    if (r.code !== 0) return r;
    const wt = r.stdout.trim().split('\n').pop()!;
    const url = parseEnv(readIfExists(path.join(wt, '.env'))).get('DATABASE_URL');
    if (!url?.startsWith('postgres')) return { ...r, code: 1, stderr: `no DATABASE_URL in ${wt}/.env\n${r.stderr}` };
    return { ...r, url };
  };
  const oursOne = async (name: string) => {
    const r = await oursTry(name);
    if (r.code !== 0) throw new Error(`worktree-create ${name} failed (exit ${r.code}):\n${r.stderr}`);
    return r;
  };
  return { oursTry, oursOne, repo };
}

/** PARALLEL worktrees at once, N_PARALLEL times, each batch next to a single one: a table row and notes. */
async function parallel(
  local: LocalNeon,
  oursTry: Try,
  oursOne: (name: string) => Promise<RunResult>,
  label: string,
  oneMs0: number,
  goal: boolean | null,
): Promise<void> {
  log(`5. ${PARALLEL} worktrees at once, ${N_PARALLEL} times (${label})`);
  const single: number[] = [];
  const batch: number[] = [];
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const tag = label.replace(/[^a-z0-9]+/gi, '-').slice(0, 12);
  for (let b = 0; b < N_PARALLEL; b++) {
    single.push((await oursOne(`s-${tag}-${b + 1}`)).ms);
    const before = local.requests.length;
    const t = process.hrtime.bigint();
    const rs = await Promise.all(Array.from({ length: PARALLEL }, (_, k) => oursTry(`b-${tag}-${b + 1}-${k + 1}`)));
    batch.push(Number(process.hrtime.bigint() - t) / 1e6);
    for (const q of local.requests.slice(before)) statuses.set(q.status, (statuses.get(q.status) ?? 0) + 1);
    for (const r of rs)
      if (r.code !== 0)
        failures.push(
          r.stderr
            .trim()
            .split('\n')
            .find((l) => l.trim()) ?? `exit ${r.code}`,
        );
    const urls = new Set(rs.filter((r) => r.url).map((r) => r.url));
    if (urls.size !== rs.filter((r) => r.url).length) failures.push('two worktrees got the same DATABASE_URL');
  }
  const [oneMs, eightMs] = [median([...single, oneMs0]), median(batch)];
  rows.push({
    n: '5',
    measure: `${PARALLEL} new worktrees at once, ${label}`,
    ours: ms(eightMs),
    anchor: `one ${ms(oneMs)}`,
    ratio: ratio(eightMs, oneMs),
    goal: goal === null ? '(reported)' : goal ? '≤ 1.5× the time of one' : "(reported: Neon's own serialisation)",
    met: goal ? eightMs <= 1.5 * oneMs && failures.length === 0 : null,
  });
  if (failures.length)
    notes.push(
      `**${failures.length} of ${PARALLEL * N_PARALLEL} parallel worktree creations failed (${label})**: ${[...new Set(failures)].map((f) => `\`${f}\``).join('; ')}.`,
    );
  notes.push(
    `${label}: answers in the batches of ${PARALLEL}: ${[...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([st, n]) => `${n}× ${st}`)
      .join(', ')}.`,
  );
}

// ── report ───────────────────────────────────────────────────────────────────────────────────────────────────────

function table(): string {
  const head = ['#', 'measure', 'create-neon-agents', 'anchor (same run)', 'ratio', 'goal', 'met'];
  const body = rows.map((r) => [
    r.n,
    r.measure,
    r.ours,
    r.anchor,
    r.ratio,
    r.goal,
    r.met === null ? '—' : r.met ? 'yes' : '**no**',
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: cleanEnv() });
  return (r.stdout || '').trim().split('\n')[0] ?? '?';
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('dist/cli.mjs is missing: run `npm run bench` (it builds first)');
  mkdirSync(path.join(work, 'home'), { recursive: true });
  writeFileSync(
    path.join(work, 'home/.gitconfig'),
    '[user]\n\tname = Bench\n\temail = bench@example.com\n[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n',
  );
  if (part('1')) await startup();
  if (part('1')) await commandStartup();
  if (part('2')) await scaffold();
  if (part('3')) await sizes();
  if (part('4') || part('5')) await provisioning();
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const md = `# Benchmark results

\`npm run bench\`, ${when} UTC · create-neon-agents ${OUR_PKG.version} · create-vite ${VITE_PKG.version} · Neon CLI ${version(NEON_REAL, ['--version'])} · Node ${process.version} · ${os.platform()} ${os.arch()}, ${os.availableParallelism()} × ${cpu}

Times are medians (start-up: ${N_START} runs; scaffold: ${N_SCAFFOLD}; provisioning: ${N_PROV}; ${PARALLEL} at once: ${N_PARALLEL} batches), each measure interleaved with its anchor in the same invocation. Provisioning runs against the local Neon emulator (dev/local-neon) with the real Neon CLI.

${table()}

${notes.map((n) => `- ${n}`).join('\n')}

Whole benchmark: ${ms(Date.now() - started)}. Load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${os.loadavg()[0]!.toFixed(1)}: other work on the machine slows both sides of a ratio, but parallel runs (5) suffer most.
`;
  process.stdout.write(`\n${md}`);
  if (ONLY.length === 0) {
    mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/RESULTS.md'), md);
    process.stdout.write('\nWritten to bench/RESULTS.md\n');
  }
}

main()
  .catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
