// The manifest `.claude/neon-agents.json`: the answers (never a secret) and, per file we own, how we own it and our
// last render, for re-runs, upgrades, doctor and uninstall. Planned last, from the other units' ops.
import path from 'node:path';
import { MANIFEST_PATH, type Manifest, type ManagedFile } from '../shared/manifest.ts';
import type { FileOp, WriteOp } from '../plan/ops.ts';
import { manifestEntry, remove, type PlanInput, type RemoveInput, type RemovePlan } from './engine.ts';

export function planManifest(input: PlanInput, ops: FileOp[]): { op: WriteOp; manifest: Manifest } {
  const files: Record<string, ManagedFile> = {};
  for (const op of ops) {
    if (op.type !== 'write') continue;
    const entry = manifestEntry(op, input.manifest?.files[op.display]);
    if (entry) files[op.display] = entry;
  }
  // Keep entries of files we left alone this time (e.g. an edited file of a dropped role is still ours to uninstall).
  const deleted = new Set(ops.filter((o) => o.type === 'delete' && o.action === 'delete').map((o) => o.display));
  for (const [k, v] of Object.entries(input.manifest?.files ?? {})) if (!(k in files) && !deleted.has(k)) files[k] = v;
  const manifest: Manifest = { tool: 'create-neon-agents', version: input.version, answers: input.answers, files };
  const content = `${JSON.stringify(manifest, null, 2)}\n`;
  const abs = path.join(input.repo.root, MANIFEST_PATH);
  const previous = input.files.read(abs);
  const op: WriteOp = {
    type: 'write',
    path: abs,
    display: MANIFEST_PATH,
    content,
    previous,
    mode: 0o644,
    managed: 'file',
    owned: content,
    action: previous === null ? 'create' : previous === content ? 'unchanged' : 'update',
    reason: previous === null ? 'new' : previous === content ? 'up to date' : 'record this run',
  };
  return { op, manifest };
}

export function removeManifest(input: RemoveInput): RemovePlan {
  const abs = path.join(input.repo.root, MANIFEST_PATH);
  const text = input.files.read(abs);
  return {
    ops: text === null ? [] : [remove(abs, MANIFEST_PATH, text, 'the record of this setup')],
    emptyDirs: [path.dirname(abs)],
  };
}
