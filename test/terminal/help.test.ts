// `--help` is the reference people and agents read: every option with its default, and examples that work when
// pasted (the interactive one is driven in wizard.test.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, ROOT, baseEnv, cleanupTempDirs, makeRepo, read, runCli, tree } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);

async function help(): Promise<string> {
  const r = await runCli(ROOT, ['--help']);
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout;
}

/** The option lines: `  -y, --yes   Accept…` → flag → line. */
function optionLines(text: string): Map<string, string> {
  const section = text.slice(text.indexOf('Options:'), text.indexOf('Examples:'));
  const out = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\s+(?:-\w, )?--([\w-]+)/.exec(line);
    if (m) out.set(m[1]!, line);
  }
  return out;
}

/** `# what` followed by the command on the next line. */
function examples(text: string): { what: string; cmd: string }[] {
  const lines = text.slice(text.indexOf('Examples:')).split('\n');
  const out: { what: string; cmd: string }[] = [];
  lines.forEach((l, i) => {
    const m = /^\s+# (.+)$/.exec(l);
    if (m) out.push({ what: m[1]!, cmd: lines[i + 1]!.trim() });
  });
  return out;
}

/** The CLI flags the README's options table documents. */
function readmeFlags(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf('| flag | default |');
  const table = readme.slice(from, readme.indexOf('\n\n', from)); // that table only, not the runtime's
  const rows = table.split('\n').filter((l) => l.startsWith('| `'));
  return [...new Set(rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/--([\w-]+)/g)].map((m) => m[1]!)))];
}

describe('--help', () => {
  it('lists every option the README documents, each value option with its default or env variable', async () => {
    const text = await help();
    const opts = optionLines(text);
    expect(opts.size).toBeGreaterThan(10);
    const documented = readmeFlags();
    expect(documented.length).toBeGreaterThan(10);
    for (const f of documented) {
      // --no-interactive and --env-path are documented inside their positive form's line.
      const listed = opts.has(f) || [...opts.values()].some((l) => l.includes(`--${f}`));
      expect(listed, `--${f} is in the README but not in --help`).toBe(true);
    }
    for (const [flag, line] of opts) {
      if (/<\w+>/.test(line))
        expect(line, `--${flag} takes a value: say its default`).toMatch(/\((env [A-Z_]+|default: )/);
      // A --no-x flag turns off something that is on by default: say so.
      if (flag.startsWith('no-') || flag === 'interactive')
        expect(line, `--${flag} must state its default`).toMatch(/default: /);
    }
    expect(opts.get('branch-ttl')).toContain('default: 14');
    expect(opts.get('roles')).toContain('default: feature-developer,data-optimizer');
    expect(opts.get('permission-mode')).toContain('default: bypassPermissions');
    expect(opts.get('project-id')).toContain('env NEON_PROJECT_ID');
    expect(text).toMatch(/Exit codes: 0 ok, 1 failure, 2 usage error or missing input, 130 cancelled/);
  });

  it('has interactive, CI, dry-run and upgrade examples, and the non-interactive ones work when pasted', async () => {
    const ex = examples(await help());
    const find = (re: RegExp) => {
      const e = ex.find((x) => re.test(x.what));
      expect(e, `an example for ${re}`).toBeDefined();
      return e!.cmd;
    };
    expect(find(/interactive wizard/i)).toBe('npm create neon-agents@latest');
    const ci = find(/CI/);
    const dry = find(/write nothing|dry/i);
    const upgrade = find(/upgrade/i);
    expect(ci).toMatch(/--yes/);
    expect(dry).toMatch(/--dry-run/);

    // Paste them into a repository, with the published bin replaced by the built one (no network: --no-verify).
    const asBuilt = (cmd: string) =>
      cmd
        .replace(/^npx create-neon-agents(@latest)?/, `node "${CLI}" --no-verify`)
        .replace(/^npm create neon-agents@latest --/, `node "${CLI}" --no-verify`);
    const run = (dir: string, cmd: string) =>
      execa('sh', ['-c', asBuilt(cmd)], {
        cwd: dir,
        env: baseEnv({ CI: '1' }),
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
      });

    const repo = makeRepo();
    const before = tree(repo);
    const d = await run(repo, dry);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toContain('Plan (dry run: nothing written)');
    expect(tree(repo)).toEqual(before);

    const c = await run(repo, ci);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers.projectId).toBe('winter-sun-12345678');

    const u = await run(repo, upgrade);
    expect(u.exitCode, u.stderr).toBe(0);
    expect(u.stdout).toContain('Already up to date');
  });
});
