// What `diff` and `list --schema` share to review an agent's database: which database of its branch to compare,
// and its schema compared with its parent's, each branch's schema fetched at most once per call (eight agents
// branched from one parent cost nine schema requests, not sixteen).
import { parsePgUrl } from '../shared/db-targets.ts';
import { parseEnv } from '../shared/env-file.ts';
import { MANIFEST_PATH, urlVar } from '../shared/manifest.ts';
import { envFilePath } from './config.ts';
import type { RuntimeContext } from './context.ts';
import { branchSchema, listDatabases, type NeonApi } from './neon-api.ts';
import { compareSchemas, type SchemaComparison } from './schema-diff.ts';
import { readIfExists, RuntimeError } from './util.ts';

export interface BranchRef {
  id: string;
  name: string;
}

/**
 * The database to compare: `--database`, else databaseName in the manifest, else the one the worktree's own URL
 * names (what its migrations ran against), else the branch's only database (one request).
 */
export async function databaseToCompare(
  ctx: RuntimeContext,
  api: NeonApi,
  branchId: string,
  worktreeRoot: string | null,
  given: string | undefined,
): Promise<string> {
  if (given) return given;
  const answers = ctx.answers();
  if (answers?.databaseName) return answers.databaseName;
  if (answers && worktreeRoot) {
    const url = parseEnv(readIfExists(envFilePath(worktreeRoot, answers)) ?? '').get(urlVar(answers));
    const database = url ? parsePgUrl(url)?.database : undefined;
    if (database) return database;
  }
  const names = await listDatabases(api, branchId);
  if (names.length === 1) return names[0]!;
  throw new RuntimeError(
    names.length
      ? `the branch has ${names.length} databases (${names.join(', ')}): pass --database NAME, or set "databaseName" in ${MANIFEST_PATH}`
      : 'the branch has no database',
  );
}

/** Branch schemas fetched once per call (a failed fetch fails every caller that shares it). */
export class BranchSchemas {
  private readonly fetched = new Map<string, Promise<string | null>>();

  constructor(private readonly api: NeonApi) {}

  of(branchId: string, database: string): Promise<string | null> {
    const key = `${branchId}\n${database}`;
    let sql = this.fetched.get(key);
    if (!sql) {
      sql = branchSchema(this.api, branchId, database);
      this.fetched.set(key, sql);
    }
    return sql;
  }
}

const label = (b: BranchRef) => `${b.name} (${b.id})`;

/**
 * The branch's schema against its parent's. A database the parent lacks is an empty schema there (everything
 * shows as added), as `neon diff` treats it; one the branch itself lacks is an error.
 */
export async function compareWithParent(
  schemas: BranchSchemas,
  database: string,
  branch: BranchRef,
  parent: BranchRef,
): Promise<SchemaComparison> {
  const [own, parents] = await Promise.all([schemas.of(branch.id, database), schemas.of(parent.id, database)]);
  if (own === null)
    throw new RuntimeError(
      `Neon branch ${branch.name} has no database ${JSON.stringify(database)}: pass --database NAME, or set "databaseName" in ${MANIFEST_PATH}`,
    );
  return compareSchemas(database, { label: label(parent), sql: parents ?? '' }, { label: label(branch), sql: own });
}
