// `diff [--exit-code] [--json | --name-only] [--database NAME]`: what this worktree's migrations did to its
// database, as a unified diff of the SQL schema of its own Neon branch against its parent's (tables, columns,
// indexes, constraints, functions…), like `git diff` for the database. A reviewer runs it in an agent's worktree
// before merging; an agent runs it to check its own migration.
//
// Requests: the branch (for its parent), then in parallel both schemas and the parent (four requests, two round
// trips; one more when the database must be asked for). Why both schemas and a local diff rather than Neon's `compare_schema`: see schema-diff.ts.
//
// Exit codes: 0, or 1 with --exit-code when the schemas differ (as `git diff --exit-code`); 1 when it fails; 2 when
// it is run with unknown options or where there is no agent branch (outside a repository, in the main checkout).
import { MANIFEST_PATH, RUNTIME_PATH } from '../../shared/manifest.ts';
import { errorDocument, exitCodeOf, jsonDocument, parseOptions, UsageError } from '../args.ts';
import { neonApi } from '../config.ts';
import type { RuntimeContext } from '../context.ts';
import { getBranch, NeonApiError } from '../neon-api.ts';
import { retryHint } from '../provision.ts';
import { BranchSchemas, compareWithParent, databaseToCompare } from '../review.ts';
import { RuntimeError } from '../util.ts';

export async function diff(ctx: RuntimeContext): Promise<number> {
  const json = ctx.argv.includes('--json');
  try {
    return await showDiff(ctx);
  } catch (e) {
    const message = (e as Error).message;
    if (json) ctx.print(errorDocument(message, exitCodeOf(e)));
    ctx.say(`diff: ${message}`);
    return exitCodeOf(e);
  }
}

async function showDiff(ctx: RuntimeContext): Promise<number> {
  const options = parseOptions(ctx.argv, {
    flags: ['--exit-code', '--json', '--name-only'],
    values: ['--database'],
  });
  const json = options.flags.has('--json');
  const nameOnly = options.flags.has('--name-only');
  if (json && nameOnly) throw new UsageError('--json and --name-only are two formats: pick one');

  let co: ReturnType<RuntimeContext['checkout']>;
  try {
    co = ctx.checkout();
  } catch (e) {
    throw new UsageError(`not inside a git repository (${(e as Error).message}): run diff inside an agent's worktree`);
  }
  if (!ctx.answers())
    throw new RuntimeError(`create-neon-agents is not set up in this repository (no ${MANIFEST_PATH})`);
  if (!co.isLinked)
    throw new UsageError(
      `this is the main checkout, which has no Neon branch of its own: run diff inside an agent's worktree (node ${RUNTIME_PATH} list shows them)`,
    );
  const rec = ctx.records().ofWorktree(co.root);
  if (!rec)
    throw new RuntimeError(
      `this worktree has no Neon branch made by this clone (no record in ${ctx.records().commonDir}/neon-agents/branches): run ${retryHint(ctx.mainRoot())} to give it one`,
    );
  const creds = ctx.credentials();
  if (!creds) throw new RuntimeError('no Neon credentials: set NEON_API_KEY, or log in with `neon auth`');
  const api = neonApi(ctx, { ...creds, projectId: rec.projectId });

  let branch: Awaited<ReturnType<typeof getBranch>>;
  try {
    branch = await getBranch(api, rec.branchId);
  } catch (e) {
    if (e instanceof NeonApiError && e.failure.kind === 'notfound')
      throw new RuntimeError(
        `Neon branch ${rec.neonBranch} (${rec.branchId}) is gone (expired or deleted): run ${retryHint(ctx.mainRoot())} for a fresh one`,
      );
    throw e;
  }
  if (!branch.parent_id) throw new RuntimeError(`Neon branch ${branch.name} has no parent to compare with`);
  const parentId = branch.parent_id;
  const [database, parent] = await Promise.all([
    databaseToCompare(ctx, api, branch.id, co.root, options.values.get('--database')),
    getBranch(api, parentId).catch((e) => {
      if (e instanceof NeonApiError && e.failure.kind === 'notfound') return { id: parentId, name: parentId };
      throw e;
    }),
  ]);
  const result = await compareWithParent(new BranchSchemas(api), database, branch, parent);

  if (json)
    ctx.print(
      jsonDocument({
        ok: true,
        database,
        branch: { name: branch.name, id: branch.id, gitBranch: rec.gitBranch, worktreePath: co.root },
        parent: { name: parent.name, id: parent.id },
        changed: result.changed,
        objects: result.objects,
        diff: result.diff,
      }),
    );
  else if (nameOnly) ctx.print(result.objects.map((o) => `${o.name}\n`).join(''));
  else if (result.changed) ctx.print(result.diff);
  if (!json && !result.changed)
    ctx.say(`no schema changes: ${branch.name} has the schema of its parent ${parent.name} (database ${database})`);
  return options.flags.has('--exit-code') && result.changed ? 1 : 0;
}
