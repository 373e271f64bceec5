// The tool config files the units write (test/files/<tool>/*/after/) read the way each tool reads them: TOML by a
// TOML parser (Codex, Conductor and worktrunk parse TOML 1.0), JSON by JSON.parse, git config by git itself. What
// a tool then runs is our command, next to every setting of the user's.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';

const HERE = import.meta.dirname;
const read = (rel: string) => fs.readFileSync(path.join(HERE, rel), 'utf8');
const ENSURE = /^node .*\.claude\/hooks\/neon-worktree\.mjs"? ensure$/;
const RELEASE = /^node .*\.claude\/hooks\/neon-worktree\.mjs"? release$/;

describe('tool config files as the tools read them', () => {
  it('Codex: [setup] and [cleanup] scripts, the app’s own settings kept', () => {
    const made = parseToml(read('codex/new-file/after/.codex/environments/environment.toml')) as any;
    expect(made.version).toBe(1);
    expect(made.setup.script).toMatch(/^node "\$CODEX_SOURCE_TREE_PATH\/.*" ensure$/);
    expect(made.cleanup.script).toMatch(RELEASE);
    const merged = parseToml(read('codex/app-generated/after/.codex/environments/environment.toml')) as any;
    expect(merged.setup.script).toBe('npm install\n'); // the user's: left alone (an instruction says what to add)
    expect(merged.cleanup.script).toMatch(RELEASE);
    expect(merged.actions[0].command).toBe('npm run dev');
  });

  it('Conductor: setup and archive in [scripts], with the user’s run script and workspace settings', () => {
    const made = parseToml(read('conductor/new-file/after/.conductor/settings.toml')) as any;
    expect(made.scripts.setup).toMatch(/^node "\$\{CONDUCTOR_ROOT_PATH:-\$CONDUCTOR_WORKSPACE_PATH\}\/.*" ensure$/);
    const merged = parseToml(read('conductor/scripts-table/after/.conductor/settings.toml')) as any;
    expect(merged.scripts).toMatchObject({
      run: 'npm run dev',
      setup: expect.stringMatching(ENSURE),
      archive: expect.stringMatching(RELEASE),
    });
    expect(merged.workspace.file_include_globs).toEqual(['.env.local']);
    const legacy = JSON.parse(read('conductor-json/no-scripts/after/conductor.json'));
    expect(legacy).toMatchObject({ runScriptMode: 'nonconcurrent', scripts: { setup: expect.stringMatching(ENSURE) } });
    const kept = JSON.parse(read('conductor-json/user-setup/after/conductor.json'));
    expect(kept.scripts).toMatchObject({
      setup: 'npm install',
      run: 'npm run dev',
      archive: expect.stringMatching(RELEASE),
    });
  });

  it('worktrunk: blocking pre-start and pre-remove commands next to the user’s, never post-create', () => {
    const text = read('worktrunk/hooks-no-final-newline/after/.config/wt.toml');
    const merged = parseToml(text) as any;
    expect(merged['pre-start']).toEqual({
      deps: 'npm ci',
      'neon-agents': expect.stringMatching(
        /^node \{\{ primary_worktree_path \}\}\/\.claude\/hooks\/neon-worktree\.mjs ensure$/,
      ),
    });
    expect(merged['pre-remove']['neon-agents']).toMatch(RELEASE);
    expect(merged['post-start']).toEqual({ copy: 'wt step copy-ignored' });
    expect(text).not.toContain('post-create');
  });

  it('Cursor: our command last, after the user’s .env copy', () => {
    const merged = JSON.parse(read('cursor/generic-key-with-copy/after/.cursor/worktrees.json'));
    expect(merged['setup-worktree'].slice(0, 2)).toEqual(['npm ci', 'cp $ROOT_WORKTREE_PATH/.env .env']);
    expect(merged['setup-worktree'][2]).toMatch(/^node "\$ROOT_WORKTREE_PATH\/.*" ensure$/);
    expect(JSON.parse(read('cursor/new-file/after/.cursor/worktrees.json'))['setup-worktree-unix']).toHaveLength(1);
  });

  it('gtr: git reads both hooks from the local config, the user’s gtr settings kept', () => {
    const file = path.join(HERE, 'gtr/local-config/after/_git/config');
    const get = (key: string) =>
      execFileSync('git', ['config', '--file', file, '--get-all', key], { encoding: 'utf8' }).trim();
    expect(get('gtr.hook.postCreate')).toBe('node "$REPO_ROOT/.claude/hooks/neon-worktree.mjs" ensure');
    expect(get('gtr.hook.preRemove')).toBe('node "$REPO_ROOT/.claude/hooks/neon-worktree.mjs" release');
    expect(get('gtr.copy.include')).toBe('.env.example');
  });
});
