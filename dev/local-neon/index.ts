/**
 * local-neon: an offline stand-in for the part of Neon that create-neon-agents uses. See README.md in this folder.
 *
 *   import { startLocalNeon } from './dev/local-neon/index.ts';
 *   const neon = await startLocalNeon();          // API + Postgres proxy + PostgreSQL, default project ready
 *   // neon.env → NEON_API_HOST, NEON_API_KEY, NO_PROXY, NODE_EXTRA_CA_CERTS … for the real `neon` CLI
 *   await neon.stop();
 */
import { startInProcess, type LocalNeon, type LocalNeonOptions } from './server.ts';
import { startInThread } from './thread.ts';

export type { LocalNeon, LocalNeonOptions, BranchInfo, ProjectInfo, ConnectionLogEntry } from './server.ts';
export { DEFAULT_API_KEY, DEFAULT_PROJECT_ID } from './server.ts';
export type { FailRule, RequestLogEntry } from './api.ts';
export type { ProjectOptions } from './state.ts';
export { looksLikeBranchId } from './ids.ts';

/** Starts a local Neon on free loopback ports. By default in a worker thread (see LocalNeonOptions.isolate). */
export async function startLocalNeon(options: LocalNeonOptions = {}): Promise<LocalNeon> {
  return (options.isolate ?? 'thread') === 'thread' ? startInThread(options) : startInProcess(options);
}
