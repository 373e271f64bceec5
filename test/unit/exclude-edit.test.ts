// The clone's $GIT_COMMON_DIR/info/exclude: our block in, exactly our block out, only the lines still needed.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EXCLUDE_END,
  EXCLUDE_START,
  excludeLines,
  hasExcludeBlock,
  ignoredBy,
  removeExcludeBlock,
  upsertExcludeBlock,
} from '../../src/edits/exclude.ts';
import { noteFinalNewline, restoreFinalNewline, NO_FINAL_NEWLINE } from '../../src/edits/final-newline.ts';

const GIT_DEFAULT =
  "# git ls-files --others --exclude-from=.git/info/exclude\n# Lines that start with '#' are comments.\n# *.[oa]\n# *~\n";
const ALL = ['.env', '.env.*', '!.env*.example', '!.env*.sample', '!.env*.template', '/.env', '/.claude/worktrees/'];

describe('excludeLines', () => {
  it("a fresh clone: the env files the runtime writes, the configured one, and Claude's worktrees", () => {
    expect(excludeLines(GIT_DEFAULT, '.env', '.claude/worktrees/')).toEqual(ALL);
    expect(excludeLines(null, 'apps/web/.env.local', '.claude/worktrees/')).toEqual([
      ...ALL.slice(0, 5),
      '/apps/web/.env.local',
      '/.claude/worktrees/',
    ]);
  });

  it('only what the file does not ignore already (its own lines, not ours)', () => {
    expect(excludeLines('.env\n.env.*\n.claude/\n', '.env', '.claude/worktrees/')).toEqual([]);
    expect(excludeLines('.env*\n', 'apps/web/.env.local', '.claude/worktrees/')).toEqual(['/.claude/worktrees/']);
    expect(excludeLines('*.local\n', '.env', '.claude/worktrees/')).toEqual(ALL); // .env.development is not covered
    // Our own block does not count as "already ignored": the lines stay the same run after run.
    const once = upsertExcludeBlock(GIT_DEFAULT, ALL);
    expect(excludeLines(once, '.env', '.claude/worktrees/')).toEqual(ALL);
  });
});

describe('upsertExcludeBlock / removeExcludeBlock', () => {
  it.each([
    ["git's default file", GIT_DEFAULT],
    ['no final newline', '*.log\nbuild'],
    ['empty', ''],
    ['CRLF', '*.log\r\nbuild\r\n'],
    ['only a newline', '\n'],
  ])('%s: the block goes in first, and out again byte for byte', (_what, text) => {
    const withBlock = upsertExcludeBlock(text, ALL);
    expect(withBlock.startsWith(EXCLUDE_START)).toBe(true);
    expect(withBlock.endsWith(text)).toBe(true);
    expect(hasExcludeBlock(withBlock)).toBe(true);
    expect(removeExcludeBlock(withBlock)).toBe(text);
    if (text.includes('\r\n'))
      expect(
        withBlock
          .split('\n')
          .slice(0, -1)
          .every((l) => l.endsWith('\r')),
      ).toBe(true);
  });

  it('a file that did not exist: the block alone (uninstall deletes the file it created)', () => {
    const t = upsertExcludeBlock(null, ALL);
    expect(t).toBe(`${EXCLUDE_START}\n${t.split('\n')[1]}\n${ALL.join('\n')}\n${EXCLUDE_END}\n`);
    expect(removeExcludeBlock(t)).toBe('');
  });

  it('is idempotent, replaces an older block in place, and keeps lines the user added after it', () => {
    const first = upsertExcludeBlock(GIT_DEFAULT + 'dist/\n', ALL);
    expect(upsertExcludeBlock(first, ALL)).toBe(first);
    const edited = first + 'coverage/\n';
    const updated = upsertExcludeBlock(edited, ['/.claude/worktrees/']);
    expect(updated).toMatch(
      /^# >>> create-neon-agents >>>\n.*\n\/\.claude\/worktrees\/\n# <<< create-neon-agents <<<\n# git ls-files/,
    );
    expect(removeExcludeBlock(updated)).toBe(GIT_DEFAULT + 'dist/\ncoverage/\n');
    // No lines needed any more: the block goes.
    expect(upsertExcludeBlock(first, [])).toBe(GIT_DEFAULT + 'dist/\n');
  });

  it('a marker inside a comment or a pattern is not our block', () => {
    const t = `foo # >>> create-neon-agents >>>\n`;
    expect(hasExcludeBlock(t)).toBe(false);
    expect(removeExcludeBlock(t)).toBe(t);
  });
});

describe('ignoredBy agrees with git', () => {
  const patterns = [
    '.env',
    '.env*',
    '.env.*',
    '/.env',
    '*.local',
    '.claude/',
    '/.claude/worktrees/',
    '.claude/worktrees',
    'apps/*/.env.local',
    '**/.env.local',
    'apps/**',
    '!.env.example',
    '[.]env',
    '\\!x',
    'build/',
    '/a/**/b',
  ];
  const paths = [
    '.env',
    'apps/web/.env.local',
    '.env.local',
    '.env.example',
    '.env.development',
    '.claude/worktrees/',
    '.claude/worktrees/a/x',
    'apps/web/.env',
    'a/x/y/b',
    'a/b',
    '!x',
    'sub/build/x',
  ];
  it('on single patterns and pairs, against `git check-ignore --no-index`', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cna-exclude-'));
    try {
      execFileSync('git', ['init', '-q', dir]);
      mkdirSync(path.join(dir, '.git/info'), { recursive: true });
      const cases = [
        ...patterns.map((p) => [p]),
        ['.env*', '!.env*.example'],
        ['.env.*', '!.env.local'],
        ['apps/', '!apps/web/.env.local'],
      ];
      for (const lines of cases) {
        writeFileSync(path.join(dir, '.git/info/exclude'), lines.join('\n') + '\n');
        let out = '';
        try {
          out = execFileSync('git', ['check-ignore', '--no-index', '--stdin'], {
            cwd: dir,
            input: paths.map((p) => (p.endsWith('/') ? `${p}x` : p)).join('\n'),
            encoding: 'utf8',
          });
        } catch (e) {
          out = String((e as { stdout?: string }).stdout ?? '');
        }
        const gitSays = new Set(out.split('\n').filter(Boolean));
        for (const p of paths) {
          const probe = p.endsWith('/') ? `${p}x` : p;
          expect(ignoredBy(lines, probe), `${JSON.stringify(lines)} ${probe}`).toBe(gitSays.has(probe));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a final newline we added is taken back out', () => {
  it('is noted only when our edit added it, and the note is kept across runs', () => {
    expect(noteFinalNewline('A=', 'PORT=3000', 'PORT=3000\nA=\n', undefined)).toBe(`A=\n${NO_FINAL_NEWLINE}`);
    expect(noteFinalNewline('A=', 'PORT=3000\n', 'PORT=3000\nA=\n', undefined)).toBe('A=');
    expect(noteFinalNewline('A=', 'PORT=3000', 'PORT=3000', undefined)).toBe('A='); // nothing appended
    expect(noteFinalNewline('A=', 'PORT=3000\nA=\n', 'PORT=3000\nA=\n', `A=\n${NO_FINAL_NEWLINE}`)).toBe(
      `A=\n${NO_FINAL_NEWLINE}`,
    );
    expect(restoreFinalNewline('PORT=3000\n', `A=\n${NO_FINAL_NEWLINE}`)).toBe('PORT=3000');
    expect(restoreFinalNewline('PORT=3000\n', 'A=')).toBe('PORT=3000\n');
  });
});
