// The tool units on input they must not write through: a config file that is not the JSON object it should be is
// left alone with a warning naming the fix, and a slot the user already fills gets the line to add, never an edit.
import { describe, expect, it } from 'vitest';
import { cursor } from '../../src/files/tools/cursor.ts';
import { conductorJson } from '../../src/files/tools/conductor-json.ts';
import { codex } from '../../src/files/tools/codex.ts';
import { worktrunk } from '../../src/files/tools/worktrunk.ts';
import type { PlanInput } from '../../src/plan/plan.ts';
import { DEFAULT_ANSWERS, type ToolId } from '../../src/shared/manifest.ts';
import { plainRepo } from '../helpers/detected.ts';

function input(files: Record<string, string>, tools: ToolId[]): PlanInput {
  return {
    answers: { ...DEFAULT_ANSWERS, projectId: 'winter-sun-12345678', tools: ['claude', ...tools] },
    repo: plainRepo('/r'),
    files: { read: (p: string) => files[p.slice('/r/'.length)] ?? null, mode: () => null },
    manifest: null,
  } as unknown as PlanInput;
}

describe('tool units refuse what they cannot merge safely', () => {
  it.each([
    ['Cursor', cursor, '.cursor/worktrees.json', 'cursor'],
    ['conductor.json', conductorJson, 'conductor.json', 'conductor'],
  ] as const)(
    '%s that is not a JSON object: no op, a warning naming the file and the fix',
    (_name, unit, file, tool) => {
      for (const text of ['{ "setup-worktree-unix": [', '["npm ci"]']) {
        const planned = unit.plan(input({ [file]: text }, [tool]));
        expect(planned.ops).toEqual([]);
        expect(planned.warnings?.join('\n')).toMatch(
          new RegExp(`${file.replace('.', '\\.')} is not a JSON object.*fix it and run again`),
        );
      }
    },
  );

  it('a setup slot the user fills (Codex script, worktrunk string hook, Cursor script path): the line to add, no edit of it', () => {
    const cdx = codex.plan(
      input({ '.codex/environments/environment.toml': "[setup]\nscript = 'npm ci'\n" }, ['codex']),
    );
    expect(cdx.instructions?.join('\n')).toMatch(
      /already sets `script` in \[setup\] \(yours, left alone\): add this line[\s\S]*ensure/,
    );
    const written = cdx.ops[0]!;
    expect(written.type === 'write' && written.content).toContain("[setup]\nscript = 'npm ci'\n");
    const wt = worktrunk.plan(input({ '.config/wt.toml': 'pre-start = "npm ci"\n' }, ['worktrunk']));
    expect(wt.instructions?.join('\n')).toMatch(
      /sets `pre-start` itself, before any table \(yours, left alone\): add this line[\s\S]*ensure/,
    );
    expect(wt.ops.every((op) => op.type !== 'write' || op.content.startsWith('pre-start = "npm ci"\n'))).toBe(true);
    const cur = cursor.plan(
      input({ '.cursor/worktrees.json': '{ "setup-worktree-unix": "scripts/setup.sh" }\n' }, ['cursor']),
    );
    expect(cur.ops).toEqual([]);
    expect(cur.instructions?.join('\n')).toMatch(
      /runs a script for `setup-worktree-unix` \(yours, left alone\): add this line/,
    );
  });

  it('a tool not chosen writes nothing, whatever its file holds', () => {
    for (const unit of [cursor, conductorJson, codex, worktrunk])
      expect(unit.plan(input({ '.cursor/worktrees.json': '{}', 'conductor.json': '{}' }, [])).ops).toEqual([]);
  });
});
