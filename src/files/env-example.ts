// `.env.example` next to the env file: the keys a worktree's env file gets, never a value that is a secret. We own
// the keys we added (the whole file when we created it), so uninstall takes exactly those back out.
import path from 'node:path';
import { setEnvValues, parseEnv } from '../shared/env-file.ts';
import { noteFinalNewline, restoreFinalNewline } from '../edits/final-newline.ts';
import type { ManifestAnswers } from '../shared/manifest.ts';
import { editedFile, keep, remove, rewrite, type Unit } from './engine.ts';

export const EXAMPLE_HEADER = 'Neon database branches per git worktree (create-neon-agents)';

export function exampleFor(answers: Pick<ManifestAnswers, 'envFile'>): string {
  const dir = path.posix.dirname(answers.envFile);
  return dir === '.' ? '.env.example' : `${dir}/.env.example`;
}

/** Text without our comment header lines (the env file's and this file's). */
export function stripEnvHeaders(text: string): string {
  let out = text;
  for (const h of [
    /^# Neon \(create-neon-agents\).*$/m,
    /^# Neon database branches per git worktree \(create-neon-agents\).*$/m,
  ])
    out = out.replace(new RegExp(`${h.source}\\r?\\n?`, 'm'), '');
  return out;
}

export const envExample: Unit = {
  id: 'env-example',
  claims: (key) => key === '.env.example' || key.endsWith('/.env.example'),

  plan(input) {
    const { answers } = input;
    const rel = exampleFor(answers);
    const abs = path.join(input.repo.root, rel);
    const previous = input.files.read(abs);
    const prevEntry = input.manifest?.files[rel];
    const rendered = input.templates.envExample({
      pooled: answers.pooled,
      databaseUrlVar: answers.databaseUrlVar ?? 'DATABASE_URL',
      directUrlVar: answers.directUrlVar,
    });
    let content = rendered;
    let owned = rendered;
    if (previous !== null) {
      const existing = parseEnv(previous);
      const added: Record<string, string> = {};
      for (const [k, v] of parseEnv(rendered)) if (!existing.has(k)) added[k] = v;
      content = setEnvValues(previous, added, { header: EXAMPLE_HEADER });
      if (!prevEntry?.created) {
        const keys = new Set([...parseEnv(prevEntry?.base ?? '').keys(), ...Object.keys(added)]);
        owned = noteFinalNewline([...keys].map((k) => `${k}=`).join('\n'), previous, content, prevEntry?.base);
      }
    }
    return { ops: [editedFile(input, abs, rel, content, owned, 'lines', 0o644)] };
  },

  remove(input) {
    const ops = Object.entries(input.manifest.files)
      .filter(([key]) => envExample.claims(key, input.manifest.files[key]!, input.manifest))
      .flatMap(([key, entry]) => {
        const abs = path.join(input.repo.root, key);
        const text = input.files.read(abs);
        if (text === null) return [];
        if (entry.created) {
          if (text === entry.base || input.force) return [remove(abs, key, text, 'written by create-neon-agents')];
          return [keep(abs, key, text, 'you changed it; kept (--force removes it)')];
        }
        const ours = parseEnv(entry.base ?? '');
        const values: Record<string, null> = {};
        for (const k of ours.keys()) values[k] = null;
        const stripped = stripEnvHeaders(setEnvValues(text, values));
        // Our keys went at the end: when adding them also added the file's final newline, that goes too.
        const next = stripped !== text ? restoreFinalNewline(stripped, entry.base) : text;
        if (next === text) return [];
        return [rewrite(abs, key, text, next, `removed the keys we added (${[...ours.keys()].join(', ')})`)];
      });
    return { ops };
  },

  check: () => [],
};
