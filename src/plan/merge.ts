// Three-way merge of a file we own: base = what we rendered last time, ours = the user's copy on disk,
// theirs = this version's render. node-diff3 (small, dependency-free, bundled) finds the regions; we print
// conflicts with git's diff3-style markers so editors and `git mergetool` recognise them.
import { diff3Merge } from 'node-diff3';

export interface MergeResult {
  clean: boolean;
  text: string;
  conflicts: number;
}

export function threeWayMerge(
  base: string,
  ours: string,
  theirs: string,
  labels: { ours: string; base: string; theirs: string },
): MergeResult {
  const split = (s: string) => s.split('\n');
  const regions = diff3Merge(split(ours), split(base), split(theirs), { excludeFalseConflicts: true });
  const out: string[] = [];
  let conflicts = 0;
  for (const r of regions) {
    if (r.ok) {
      out.push(...r.ok);
      continue;
    }
    const c = r.conflict!;
    if (c.a.join('\n') === c.b.join('\n')) {
      out.push(...c.a); // both sides made the same change
      continue;
    }
    conflicts++;
    out.push(
      `<<<<<<< ${labels.ours}`,
      ...c.a,
      `||||||| ${labels.base}`,
      ...c.o,
      '=======',
      ...c.b,
      `>>>>>>> ${labels.theirs}`,
    );
  }
  return { clean: conflicts === 0, text: out.join('\n'), conflicts };
}

/** git's blob id of a text (what `git hash-object` prints), so a base can be found again in the object store. */
import { createHash } from 'node:crypto';
export function gitBlobId(text: string): string {
  const body = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
}
