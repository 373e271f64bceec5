// A line diff and its unified (`git diff`) rendering, for `diff`: the runtime bundles no dependency, so this is
// Myers' O(ND) algorithm ("An O(ND) Difference Algorithm and Its Variations", 1986) written out, on the lines left
// after the common head and tail are set aside (two schema dumps of one project share almost all of theirs).
//
// It keeps, for each number of edits d, the furthest point reached on each diagonal, and walks those back from the
// end: memory grows with d², so past MAX_EDITS (two dumps that share nothing much) the middle is shown as all of
// the old lines removed and all of the new ones added: still a correct diff, only not the shortest.

export type EditKind = 'same' | 'removed' | 'added';

export interface Edit {
  kind: EditKind;
  line: string;
}

const MAX_EDITS = 2000;

/** The edits that turn `before` into `after`, in order (the shortest such list, up to MAX_EDITS changes). */
export function diffLines(before: readonly string[], after: readonly string[], maxEdits = MAX_EDITS): Edit[] {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tailBefore = before.length;
  let tailAfter = after.length;
  while (tailBefore > head && tailAfter > head && before[tailBefore - 1] === after[tailAfter - 1]) {
    tailBefore--;
    tailAfter--;
  }
  const same = (line: string): Edit => ({ kind: 'same', line });
  return [
    ...before.slice(0, head).map(same),
    ...shortestEdits(before.slice(head, tailBefore), after.slice(head, tailAfter), maxEdits),
    ...before.slice(tailBefore).map(same),
  ];
}

function shortestEdits(a: readonly string[], b: readonly string[], maxEdits: number): Edit[] {
  const removed = (line: string): Edit => ({ kind: 'removed', line });
  const added = (line: string): Edit => ({ kind: 'added', line });
  if (!a.length || !b.length) return [...a.map(removed), ...b.map(added)];
  const limit = Math.min(a.length + b.length, maxEdits);
  // furthest[k + offset]: the furthest x reached on diagonal k (y = x - k) with the edits so far.
  const offset = limit + 1;
  const furthest = new Int32Array(2 * offset + 1);
  // seen[d]: `furthest` on diagonals -d-1..d+1 as it stood before step d, for the walk back.
  const seen: Int32Array[] = [];
  const at = (d: number, k: number) => seen[d]![k + d + 1]!;
  for (let d = 0; d <= limit; d++) {
    seen.push(furthest.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      // Come down from diagonal k+1 (an added line) or across from k-1 (a removed line), whichever got further.
      const down = k === -d || (k !== d && furthest[offset + k - 1]! < furthest[offset + k + 1]!);
      let x = down ? furthest[offset + k + 1]! : furthest[offset + k - 1]! + 1;
      let y = x - k;
      while (x < a.length && y < b.length && a[x] === b[y]) {
        x++;
        y++;
      }
      furthest[offset + k] = x;
      if (x >= a.length && y >= b.length) return walkBack(a, b, d, at);
    }
  }
  return [...a.map(removed), ...b.map(added)]; // too different to be worth the shortest diff
}

/** From the end back to the start along the path found in `d` edits; the edits come out in order. */
function walkBack(
  a: readonly string[],
  b: readonly string[],
  edits: number,
  at: (d: number, k: number) => number,
): Edit[] {
  const out: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = edits; d >= 0; d--) {
    const k = x - y;
    const down = k === -d || (k !== d && at(d, k - 1) < at(d, k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(d, prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      out.push({ kind: 'same', line: a[x]! });
    }
    if (d > 0) {
      if (down) out.push({ kind: 'added', line: b[--y]! });
      else out.push({ kind: 'removed', line: a[--x]! });
    }
  }
  return out.reverse();
}

/**
 * A run of added (or of removed) lines between unchanged ones can often stand a few lines higher or lower and
 * still be the same diff: when the line above it equals its last line, it can move up one (an entry added between
 * two that end alike). The lines shown do not change, only which of them are marked. Each such run is moved to the
 * first place where `startsWell(its lines)`, if there is one, as git's diff heuristics move runs to read better.
 */
export function slideRuns(edits: readonly Edit[], startsWell: (run: readonly string[]) => boolean): Edit[] {
  const out = edits.map((e) => ({ ...e }));
  const other = { added: 'removed', removed: 'added', same: 'same' } as const;
  for (let start = 0; start < out.length; ) {
    const kind = out[start]!.kind;
    let end = start;
    while (end < out.length && out[end]!.kind === kind) end++;
    const length = end - start;
    // Only a run between unchanged lines (a run next to its opposite is one replacement, shown as it is).
    if (kind !== 'same' && out[start - 1]?.kind !== other[kind] && out[end]?.kind !== other[kind]) {
      let top = start;
      while (top > 0 && out[top - 1]!.kind === 'same' && out[top - 1]!.line === out[top - 1 + length]!.line) top--;
      let bottom = end; // one past the lowest place the run can end
      while (bottom < out.length && out[bottom]!.kind === 'same' && out[bottom]!.line === out[bottom - length]!.line)
        bottom++;
      const lines = out.slice(top, bottom).map((e) => e.line);
      let best = start;
      for (let at = top; at + length <= bottom; at++)
        if (startsWell(lines.slice(at - top, at - top + length))) {
          best = at;
          break;
        }
      for (let i = top; i < bottom; i++) out[i]!.kind = i >= best && i < best + length ? kind : 'same';
      end = Math.max(end, best + length);
    }
    start = end;
  }
  return out;
}

/**
 * The hunks of a unified diff, as `git diff` prints them: `@@ -start,count +start,count @@` (a count of 1 left out),
 * then the lines with ` `, `-` or `+`, with `context` unchanged lines around each change. No changes: no lines.
 */
export function unifiedHunks(edits: readonly Edit[], context = 3): string[] {
  // Line numbers (1-based) of each edit on either side, counting the lines before it.
  const beforeAt: number[] = [];
  const afterAt: number[] = [];
  let beforeLine = 0;
  let afterLine = 0;
  for (const e of edits) {
    beforeAt.push(beforeLine);
    afterAt.push(afterLine);
    if (e.kind !== 'added') beforeLine++;
    if (e.kind !== 'removed') afterLine++;
  }
  // Spans of edit indexes [start, end): each change with its context, spans that meet merged into one hunk.
  const spans: [number, number][] = [];
  edits.forEach((e, i) => {
    if (e.kind === 'same') return;
    const start = Math.max(0, i - context);
    const end = Math.min(edits.length, i + context + 1);
    const last = spans.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([start, end]);
  });
  const range = (linesBefore: number, count: number) =>
    count === 1 ? `${linesBefore + 1}` : `${count === 0 ? linesBefore : linesBefore + 1},${count}`;
  const out: string[] = [];
  for (const [start, end] of spans) {
    const hunk = edits.slice(start, end);
    const beforeCount = hunk.filter((e) => e.kind !== 'added').length;
    const afterCount = hunk.filter((e) => e.kind !== 'removed').length;
    out.push(`@@ -${range(beforeAt[start]!, beforeCount)} +${range(afterAt[start]!, afterCount)} @@`);
    for (const e of hunk) out.push(`${e.kind === 'same' ? ' ' : e.kind === 'removed' ? '-' : '+'}${e.line}`);
  }
  return out;
}
