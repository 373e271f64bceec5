// `create-neon-agents --check`: is everything this tool manages present and up to date for this version? The plan
// for the recorded answers, compared with what is on disk (lefthook's check-install idea: install's own predicates).
// Never writes or prompts; only what a clone of the repository has counts (not the env file, not .git's hooks).
import path from 'node:path';
import type { InitContext } from './init.ts';
import { planBase } from '../plan/from-disk.ts';
import { detect } from '../detect/index.ts';
import { resolve, isComplete, manifestAnswers } from '../answers/resolve.ts';
import { plan as makePlan } from '../plan/plan.ts';
import { isCommitted } from '../files/engine.ts';
import { MANIFEST_PATH } from '../shared/manifest.ts';
import { FailureError } from '../errors.ts';

/** Managed files that live in the repository (what a CI checkout has): not the env file, not .git/hooks. */

export interface CheckResult {
  ok: boolean;
  stale: { path: string; action: string; reason: string }[];
}

/** `--check`: is everything this tool manages present and up to date for this version? Never writes or prompts. */
export function runCheck(ctx: Pick<InitContext, 'options' | 'env' | 'cwd' | 'version' | 'runtimeSource'>): CheckResult {
  const dir = ctx.options.dir ?? ctx.cwd;
  const detected = detect(path.resolve(ctx.cwd, dir), ctx.env);
  if (!detected.manifest) {
    throw new FailureError(`Not set up here: no ${MANIFEST_PATH}. Run create-neon-agents first.`);
  }
  // The recorded answers, changed by the flags given, except the project id: --check compares against the recorded
  // one (else the env file's), whatever --project-id or NEON_PROJECT_ID say.
  const { projectId: _ignored, ...given } = ctx.options.given;
  const pending = resolve(given, detected);
  const answers = manifestAnswers(
    isComplete(pending)
      ? pending
      : { ...pending, projectId: { value: detected.manifest.answers.projectId, source: 'manifest' } },
  );
  const p = makePlan({
    ...planBase(ctx, detected, answers),
    apiKey: undefined,
    envFileTracked: false,
    force: false,
  });
  const stale = p.ops
    .filter((op) => isCommitted(op.display, answers.envFile))
    .filter((op) => op.action === 'create' || op.action === 'update' || op.action === 'conflict')
    .filter(
      (op) => !(op.type === 'write' && op.display === MANIFEST_PATH && onlyVersionChanged(op.previous, op.content)),
    )
    .map((op) => ({ path: op.display, action: op.action === 'create' ? 'missing' : 'stale', reason: op.reason }));
  return { ok: stale.length === 0, stale };
}

/** The manifest differs only in what a no-op run would record (nothing the user gets), in whatever key order. */
function onlyVersionChanged(a: string | null, b: string): boolean {
  if (a === null) return false;
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  try {
    return (
      JSON.stringify(canonical({ ...JSON.parse(a), version: '' })) ===
      JSON.stringify(canonical({ ...JSON.parse(b), version: '' }))
    );
  } catch {
    return false;
  }
}
