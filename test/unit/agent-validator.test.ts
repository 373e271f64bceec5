import { describe, expect, it } from 'vitest';
import { validateAgentFile } from '../../src/validate/agent.ts';

const good =
  '---\nname: db-helper\ndescription: helps\ntools: Read, Bash\npermissionMode: acceptEdits\nisolation: worktree\nbackground: true\ncolor: green\n---\nDo things.\n';

describe('our agent-file validator (stricter than Claude Code, which drops bad files silently)', () => {
  it('accepts a valid file', () => {
    expect(validateAgentFile(good)).toMatchObject({ ok: true, errors: [] });
  });
  it('reads the YAML people write by hand: block scalars, lists, quotes, comments; dates and yes stay strings', () => {
    const r = validateAgentFile(
      '---\n# a comment\nname: db-helper\ndescription: |\n  Helps.\n  Twice.\ntools:\n  - Read\n  - \'Bash\'\nmodel: "sonnet"\ninitialPrompt: 2024-01-01\nmemory: yes\nbackground: false\n---\nDo things.\n',
    );
    expect(r).toMatchObject({ ok: true, errors: [] });
    expect(r.frontmatter).toEqual({
      name: 'db-helper',
      description: 'Helps.\nTwice.\n',
      tools: ['Read', 'Bash'],
      model: 'sonnet',
      initialPrompt: '2024-01-01',
      memory: 'yes',
      background: false,
    });
  });
  it.each([
    ['no frontmatter', 'just text', /no YAML frontmatter/],
    ['broken YAML', '---\nname: x\ndescription: [oops\n---\nbody\n', /not valid YAML/],
    ['missing name', good.replace('name: db-helper\n', ''), /name must be/],
    ['a colon in the name', good.replace('db-helper', "'db:helper'"), /name must be/],
    ['missing description', good.replace('description: helps\n', ''), /description must be/],
    ['a bad permission mode', good.replace('acceptEdits', 'yolo'), /permissionMode must be one of/],
    ['a misspelled key', good.replace('isolation:', 'isolaton:'), /unknown field "isolaton"/],
    ['a bad isolation', good.replace('isolation: worktree', 'isolation: sandbox'), /isolation must be "worktree"/],
    ['a string background', good.replace('background: true', 'background: "yes"'), /background must be true or false/],
    ['an unknown tool', good.replace('Read, Bash', 'Read, Teleport'), /unknown tool "Teleport"/],
    ['an empty body', good.replace('Do things.\n', ''), /body .* is empty/],
    ['a bad colour', good.replace('color: green', 'color: teal'), /color must be one of/],
    // YAML that some parsers let through: a key given twice, a tab for indentation, a tag nobody defines.
    ['a duplicate key', good.replace('color: green\n', 'color: green\ncolor: blue\n'), /not valid YAML/],
    ['a tab as indentation', good.replace('tools: Read, Bash\n', 'tools:\n\t- Read\n'), /not valid YAML/],
    ['an unknown tag', good.replace('description: helps', 'description: !secret helps'), /not valid YAML/],
    ['a mapping that is a list', '---\n- name: x\n---\nbody\n', /must be a YAML mapping/],
    ['empty frontmatter', '---\n\n---\nbody\n', /must be a YAML mapping/],
    [
      'a merge key (YAML 1.2 has none)',
      good.replace('color: green\n', 'color: green\n<<: {model: sonnet}\n'),
      /unknown field "<<"/,
    ],
  ])('rejects %s', (_what, text, message) => {
    const r = validateAgentFile(text);
    expect(r.ok).toBe(false);
    expect(r.errors.join('\n')).toMatch(message);
  });
});
