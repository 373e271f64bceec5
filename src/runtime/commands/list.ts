// `list [--json] [--schema]`: every agent branch of this clone, for a person (a table) or a tool (--json): its
// worktree and whether that still exists, its git branch, its Neon branch, when it was made and expires, and its
// state (the same "orphaned" test as `prune`). One Neon API request (the branch list); with --schema also whether
// each branch's schema differs from its parent's (each branch's schema, and each parent's once).
//
// Rows are the branch records of this clone in the configured project, plus any Neon branch named as this clone's
// (`agents/<clone id>/…`) that has no record left (then its worktree and git branch are unknown).
import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_PATH } from '../../shared/manifest.ts';
import { isOurNeonBranch } from '../../shared/naming.ts';
import { errorDocument, exitCodeOf, jsonDocument, parseOptions } from '../args.ts';
import { neonApi } from '../config.ts';
import type { RuntimeContext } from '../context.ts';
import { type BranchInfo, listBranches } from '../neon-api.ts';
import { BranchSchemas, compareWithParent, databaseToCompare } from '../review.ts';
import { RuntimeError } from '../util.ts';

/**
 * active: its worktree exists. kept: the worktree is gone but its git branch is not (kept for review).
 * orphaned: both are gone (`prune --yes` deletes it). gone: Neon no longer has it (expired or deleted).
 * unrecorded: Neon has it under this clone's name, but this clone has no record of it.
 */
export type BranchState = 'active' | 'kept' | 'orphaned' | 'gone' | 'unrecorded';

export interface ListedBranch {
  neonBranch: string;
  branchId: string;
  gitBranch: string | null;
  gitBranchExists: boolean | null;
  worktreePath: string | null;
  worktreeExists: boolean | null;
  createdAt: string | null;
  expiresAt: string | null;
  inNeon: boolean;
  state: BranchState;
  /** With --schema: whether its schema differs from its parent's; null when not asked, or it could not be told. */
  schemaChanged: boolean | null;
}

export async function list(ctx: RuntimeContext): Promise<number> {
  const json = ctx.argv.includes('--json');
  try {
    return await listBranchesOfClone(ctx);
  } catch (e) {
    const message = (e as Error).message;
    if (json) ctx.print(errorDocument(message, exitCodeOf(e)));
    ctx.say(`list: ${message}`);
    return exitCodeOf(e);
  }
}

async function listBranchesOfClone(ctx: RuntimeContext): Promise<number> {
  const options = parseOptions(ctx.argv, { flags: ['--json', '--schema'] });
  const withSchema = options.flags.has('--schema');
  const mainRoot = ctx.mainRoot();
  if (!ctx.answers())
    throw new RuntimeError(`create-neon-agents is not set up in this repository (no ${MANIFEST_PATH})`);
  const creds = ctx.credentials();
  if (!creds) throw new RuntimeError('no Neon credentials: set NEON_API_KEY, or log in with `neon auth`');
  const api = neonApi(ctx, creds);
  const records = ctx.records();
  const cloneId = records.cloneId();
  const inNeon = new Map((await listBranches(api)).map((b) => [b.id, b]));
  const liveWorktrees = new Set(
    ctx.git
      .listWorktrees(mainRoot)
      .filter((w) => !w.prunable && fs.existsSync(w.path))
      .map((w) => w.path),
  );

  const rows: (ListedBranch & { branch: BranchInfo | undefined })[] = [];
  for (const rec of records.all()) {
    if (rec.projectId !== api.projectId) continue;
    const branch = inNeon.get(rec.branchId);
    const worktreeExists = liveWorktrees.has(rec.worktreePath);
    const gitBranchExists = [rec.gitBranch, ...(rec.aliases ?? [])].some((g) => ctx.git.branchExists(mainRoot, g));
    rows.push({
      neonBranch: rec.neonBranch,
      branchId: rec.branchId,
      gitBranch: rec.gitBranch,
      gitBranchExists,
      worktreePath: rec.worktreePath,
      worktreeExists,
      createdAt: branch?.created_at ?? rec.createdAt,
      expiresAt: branch ? (branch.expires_at ?? null) : rec.expiresAt,
      inNeon: Boolean(branch),
      state: !branch ? 'gone' : worktreeExists ? 'active' : gitBranchExists ? 'kept' : 'orphaned',
      schemaChanged: null,
      branch,
    });
  }
  const recorded = new Set(rows.map((r) => r.branchId));
  for (const branch of inNeon.values()) {
    if (recorded.has(branch.id) || !isOurNeonBranch(branch.name, cloneId)) continue;
    rows.push({
      neonBranch: branch.name,
      branchId: branch.id,
      gitBranch: null,
      gitBranchExists: null,
      worktreePath: null,
      worktreeExists: null,
      createdAt: branch.created_at ?? null,
      expiresAt: branch.expires_at ?? null,
      inNeon: true,
      state: 'unrecorded',
      schemaChanged: null,
      branch,
    });
  }
  rows.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.neonBranch.localeCompare(b.neonBranch));

  let failed = 0;
  if (withSchema) {
    const schemas = new BranchSchemas(api);
    const check = async (row: (typeof rows)[number]) => {
      const branch = row.branch;
      if (!branch?.parent_id) return;
      try {
        const worktree = row.worktreeExists ? row.worktreePath : null;
        const database = await databaseToCompare(ctx, api, branch.id, worktree, undefined);
        const parent = inNeon.get(branch.parent_id) ?? { id: branch.parent_id, name: branch.parent_id };
        row.schemaChanged = (await compareWithParent(schemas, database, branch, parent)).changed;
      } catch (e) {
        failed++;
        ctx.say(`list: could not compare the schema of ${row.neonBranch}: ${(e as Error).message}`);
      }
    };
    // A few at a time: Neon allows bursts of 40 requests a second per route, and eight agents may be running.
    const queue = rows.filter((r) => r.inNeon);
    await Promise.all(
      Array.from({ length: Math.min(4, queue.length) }, async () => {
        for (let row = queue.shift(); row; row = queue.shift()) await check(row);
      }),
    );
  }

  const listed: ListedBranch[] = rows.map(({ branch: _branch, ...row }) => row);
  if (options.flags.has('--json'))
    ctx.print(
      jsonDocument({ ok: failed === 0, project: api.projectId, cloneId, schema: withSchema, branches: listed }),
    );
  else if (!listed.length)
    ctx.say(`no agent branches from this clone (clone id ${cloneId}) in project ${api.projectId}`);
  else ctx.print(table(listed, mainRoot, withSchema));
  return failed ? 1 : 0;
}

/** `2026-12-01T10:22:05Z` → `2026-12-01 10:22` (UTC). */
const minute = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) : '-');

function table(rows: ListedBranch[], mainRoot: string, withSchema: boolean): string {
  const worktree = (r: ListedBranch) => {
    if (!r.worktreePath) return '-';
    const rel = path.relative(mainRoot, r.worktreePath);
    const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : r.worktreePath;
    return r.worktreeExists ? shown : `${shown} (gone)`;
  };
  const head = ['WORKTREE', 'GIT BRANCH', 'NEON BRANCH', 'CREATED (UTC)', 'EXPIRES (UTC)', 'STATE'];
  if (withSchema) head.push('SCHEMA');
  const cells = rows.map((r) => {
    const line = [
      worktree(r),
      r.gitBranch === null ? '-' : r.gitBranchExists ? r.gitBranch : `${r.gitBranch} (deleted)`,
      r.neonBranch,
      minute(r.createdAt),
      minute(r.expiresAt),
      r.state,
    ];
    if (withSchema) line.push(r.schemaChanged === null ? '-' : r.schemaChanged ? 'changed' : 'same');
    return line;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells]
    .map(
      (c) =>
        `${c
          .map((x, i) => x.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
