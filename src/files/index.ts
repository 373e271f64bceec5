// Every managed-file unit, in the order a plan writes them and an uninstall takes them back out (the env file
// before .gitignore: its ignore line stays while the file does), and the loops of uninstall and doctor over them
// (the plan's is src/plan/plan.ts).
import type { FileOp } from '../plan/ops.ts';
import { overlay, type CheckInput, type Finding, type RemoveInput, type Unit } from './engine.ts';
import { agents } from './agents.ts';
import { runtime } from './runtime.ts';
import { claudeSettings } from './claude-settings.ts';
import { gitHook } from './git-hook/index.ts';
import { envExample } from './env-example.ts';
import { maskingRules } from './masking-rules.ts';
import { envFile } from './env-file.ts';
import { userCredentials } from './user-credentials.ts';
import { claudeLocalSettings } from './claude-local-settings.ts';
import { gitignore } from './gitignore.ts';
import { exclude } from './exclude.ts';
import { removeManifest } from './manifest.ts';
import { codex } from './tools/codex.ts';
import { conductor } from './tools/conductor.ts';
import { conductorJson } from './tools/conductor-json.ts';
import { worktrunk } from './tools/worktrunk.ts';
import { cursor } from './tools/cursor.ts';
import { gtr } from './tools/gtr.ts';

/** The other parallel-agent tools' setup/teardown hooks (src/files/tools/), one unit per config file. */
const TOOL_UNITS: readonly Unit[] = [codex, conductor, conductorJson, worktrunk, cursor, gtr];

export const UNITS: readonly Unit[] = [
  agents,
  runtime,
  claudeSettings,
  gitHook,
  ...TOOL_UNITS,
  maskingRules,
  envExample,
  userCredentials,
  envFile,
  claudeLocalSettings,
  gitignore,
  exclude,
];

/** Uninstall: each unit's inverse, each seeing the files as the units before it leave them; the manifest last. */
export function planRemoval(input: RemoveInput): { ops: FileOp[]; notes: string[]; emptyDirs: string[] } {
  const ops: FileOp[] = [];
  const notes: string[] = [];
  const emptyDirs: string[] = [];
  for (const remove of [...UNITS.map((u) => u.remove), removeManifest]) {
    const planned = remove({ ...input, files: overlay(input.files, ops) });
    ops.push(...planned.ops);
    notes.push(...(planned.notes ?? []));
    emptyDirs.push(...(planned.emptyDirs ?? []));
  }
  return { ops, notes, emptyDirs };
}

/** doctor's file checks: what each unit finds on disk. */
export function checkFiles(input: CheckInput): Finding[] {
  return DIAGNOSIS_ORDER.flatMap((u) => u.check(input));
}

/** doctor reads top-down: what runs (runtime, hooks), what the agents get, then what keeps secrets out of git. */
const DIAGNOSIS_ORDER: readonly Unit[] = [
  runtime,
  gitHook,
  claudeSettings,
  ...TOOL_UNITS,
  agents,
  maskingRules,
  envFile,
  claudeLocalSettings,
  userCredentials,
  envExample,
  gitignore,
  exclude,
];
