import { describe, expect, it } from 'vitest';
import { simpleDiff } from '../../src/prompts.ts';

describe('simpleDiff ("Show the difference")', () => {
  it('one line inserted at the top is one + line, not every later line changed', () => {
    const a = 'one\ntwo\nthree\nfour\nfive';
    expect(simpleDiff(a, `zero\n${a}`)).toBe('+ zero');
  });
  it('a changed line is - then +; no difference says so; long diffs are cut with a count', () => {
    expect(simpleDiff('a\nb\nc', 'a\nB\nc')).toBe('- b\n+ B');
    expect(simpleDiff('same', 'same')).toBe('(no difference)');
    const many = Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n');
    const out = simpleDiff(many, '', 4).split('\n');
    expect(out).toHaveLength(5);
    expect(out[4]).toMatch(/^… 27 more changed lines/);
  });
});
