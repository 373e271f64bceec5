// What we tell or write for hook managers must work when taken literally (found by trying the real tools).
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { planGitHook, hookBlock, removeGitHook, declaredHuskyDir } from '../../src/files/git-hook/index.ts';
import { hookContext, writes } from '../helpers/git-hook.ts';

// The tests walk the parsed config.
const parseYaml = (text: string): any => load(text);

const ctx = hookContext;

describe('husky in any folder', () => {
  it.each([
    ['app/.husky/_', '/r/app/.husky/post-checkout', 'app/.husky/post-checkout'],
    ['.config/husky/_', '/r/.config/husky/post-checkout', '.config/husky/post-checkout'],
    ['.husky/_', '/r/.husky/post-checkout', '.husky/post-checkout'],
  ])("core.hooksPath=%s (with husky's runner) → our block in its parent folder", (hooksPath, abs, display) => {
    const p = planGitHook(ctx({ huskyRunner: '#!/usr/bin/env sh\n…' }, hooksPath));
    expect(p.manager).toBe('husky');
    expect(writes(p).map((w) => [w.path, w.display])).toEqual([[abs, display]]);
  });
  it('a custom core.hooksPath that is not husky gets a plain hook there', () => {
    const p = planGitHook(ctx({}, '.githooks'));
    expect(p.manager).toBe('plain');
    expect(writes(p)[0].path).toBe('/r/.githooks/post-checkout');
  });
});

describe("the Neon CLI's own hook", () => {
  it.each([
    '# neon:git-sync (managed — edit `neon git` instead)',
    '# neonctl:git-sync (managed — edit `neonctl git` instead)',
  ])('is recognised: %s', (marker) => {
    const existing = `#!/usr/bin/env sh\n${marker}\n[ "$3" = "1" ] || exit 0\nneon git sync --quiet || true\n`;
    const p = planGitHook(ctx({ postCheckout: existing }));
    expect(p.manager).toBe('neonctl');
    expect(p.instructions.join('\n')).toMatch(/`neon git install`/);
    expect(writes(p)[0].content).toContain(marker);
  });
});

describe('instructions that are pasted into YAML', () => {
  it('lefthook: the command pastes into an existing post-checkout section as valid YAML', () => {
    const lefthook = 'post-checkout:\n  commands:\n    marker:\n      run: echo hi\n';
    const p = planGitHook(ctx({ lefthook: { path: '/r/lefthook.yml', text: lefthook } }));
    const text = p.instructions.join('\n');
    const snippet = text.slice(text.indexOf('\n') + 1);
    const merged = parseYaml(
      lefthook +
        snippet
          .split('\n')
          .map((l) => l.replace(/^ {4}/, '    '))
          .join('\n') +
        '\n',
    );
    expect(merged['post-checkout'].commands['neon-agents'].run).toMatch(
      /^\[ "\$\{NEON_AGENTS_SKIP_HOOK:-\}" = "1" \] \|\| .*neon-worktree\.mjs post-checkout \{1\} \{2\} \{3\}/,
    );
    expect(merged['post-checkout'].commands.marker.run).toBe('echo hi');
  });

  it.each([
    [
      'pre-commit sample-config style (items at column 0)',
      'repos:\n-   repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v3.2.0\n    hooks:\n    -   id: trailing-whitespace\n',
    ],
    [
      'two-space style',
      'repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks:\n      - id: black\n',
    ],
  ])('pre-commit: the item appended to %s parses as one more repo', (_style, config) => {
    const p = planGitHook(ctx({ preCommitConfig: config }));
    const text = p.instructions.join('\n');
    const snippet = text.slice(text.indexOf('\n') + 1);
    const parsed = parseYaml(`${config}${snippet}\n`);
    expect(parsed.repos).toHaveLength(2);
    expect(parsed.repos[1]).toMatchObject({
      repo: 'local',
      hooks: [
        { id: 'neon-agents', language: 'system', stages: ['post-checkout'], always_run: true, pass_filenames: false },
      ],
    });
    expect(parsed.repos[1].hooks[0].entry).toMatch(
      /^sh -c '.*neon-worktree\.mjs post-checkout "\$PRE_COMMIT_FROM_REF"/,
    );
  });
});

describe('husky declared in package.json but not installed yet (core.hooksPath unset)', () => {
  const pkg = (p: object) => JSON.stringify({ name: 'app', ...p });
  it.each([
    [
      'a dev dependency',
      pkg({ devDependencies: { husky: '^9.1.7' } }),
      '/r/.husky/post-checkout',
      '.husky/post-checkout',
    ],
    ['a dependency', pkg({ dependencies: { husky: '9' } }), '/r/.husky/post-checkout', '.husky/post-checkout'],
    ['`prepare: husky`', pkg({ scripts: { prepare: 'husky' } }), '/r/.husky/post-checkout', '.husky/post-checkout'],
    [
      '`prepare: husky app/.husky`',
      pkg({ scripts: { prepare: 'husky app/.husky' }, devDependencies: { husky: '9' } }),
      '/r/app/.husky/post-checkout',
      'app/.husky/post-checkout',
    ],
    [
      "husky 8's `husky install .config/husky`",
      pkg({ scripts: { prepare: 'husky install .config/husky' } }),
      '/r/.config/husky/post-checkout',
      '.config/husky/post-checkout',
    ],
    [
      '`is-ci || husky`',
      pkg({ scripts: { prepare: 'is-ci || husky' } }),
      '/r/.husky/post-checkout',
      '.husky/post-checkout',
    ],
  ])(
    '%s → our block in husky\'s user-script folder, executable, and "after npm install" said',
    (_what, packageJson, abs, display) => {
      const p = planGitHook(ctx({ packageJson }));
      expect(p.manager).toBe('husky');
      const [w] = writes(p);
      expect([w!.path, w!.display, w!.action, w!.mode]).toEqual([abs, display, 'create', 0o755]);
      expect(w!.content).toBe(hookBlock());
      expect(p.instructions.join('\n')).toMatch(
        /husky is declared in package\.json but not installed .*after `npm install`/,
      );
      // Uninstall takes it out again: the file held only our block.
      expect(removeGitHook(w!.content).content).toBeNull();
    },
  );

  it("a husky script of the user's keeps running: our block goes in, the rest stays", () => {
    const p = planGitHook(
      ctx({
        packageJson: pkg({ devDependencies: { husky: '9' } }),
        huskyPostCheckout: 'npx tsx scripts/after-checkout.ts\n',
      }),
    );
    const [w] = writes(p);
    expect(w!.action).toBe('update');
    expect(w!.content).toBe(`${hookBlock()}npx tsx scripts/after-checkout.ts\n`);
    expect(removeGitHook(w!.content).content).toBe('npx tsx scripts/after-checkout.ts\n');
  });

  it.each([
    ['no husky at all', pkg({ devDependencies: { vitest: '4' } }), null, '/r/.git/hooks/post-checkout'],
    [
      'a husky-like name',
      pkg({ devDependencies: { 'husky-extra': '1' }, scripts: { prepare: 'husky-extra' } }),
      null,
      '/r/.git/hooks/post-checkout',
    ],
    [
      'husky declared but core.hooksPath set elsewhere',
      pkg({ devDependencies: { husky: '9' } }),
      '.githooks',
      '/r/.githooks/post-checkout',
    ],
    ['invalid package.json', '{ "devDependencies": ', null, '/r/.git/hooks/post-checkout'],
  ])('%s → the hook git runs now', (_what, packageJson, hooksPath, abs) => {
    const p = planGitHook(ctx({ packageJson }, hooksPath));
    expect(p.manager).toBe('plain');
    expect(writes(p)[0]!.path).toBe(abs);
  });

  it('declaredHuskyDir names the folder (or null)', () => {
    expect(declaredHuskyDir('/r', pkg({ devDependencies: { husky: '9' } }))).toBe('/r/.husky');
    expect(declaredHuskyDir('/r', pkg({ scripts: { prepare: 'cd .. && husky frontend/.husky' } }))).toBe('/r/.husky');
    expect(declaredHuskyDir('/r', pkg({}))).toBeNull();
    expect(declaredHuskyDir('/r', null)).toBeNull();
  });
});
