// Just enough TOML to add our keys to a tool's config without touching the user's bytes: find a table's header
// and keys line by line (tables, not array-of-tables), and add a key inside an existing table, or whole tables at
// the end, each inside our marked block (TOML comments are `#`; ../marked-block.ts), so uninstall takes exactly
// those lines out.
import { appendBlock, block, blocksIn, inLineEndings, removeBlocks } from '../marked-block.ts';
import { noteAddedFinalNewline } from '../../edits/final-newline.ts';

const HEADER = /^[ \t]*\[(?!\[)[ \t]*([^\]]+?)[ \t]*\][ \t]*(#.*)?$/;
const ANY_HEADER = /^[ \t]*\[/;
const bareName = (name: string) => name.replace(/^["']|["']$/g, '');

interface Line {
  text: string;
  /** Offset just past the line's end of line. */
  end: number;
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl === -1 ? text.length : nl + 1;
    out.push({ text: text.slice(at, nl === -1 ? text.length : nl).replace(/\r$/, ''), end });
    at = end;
  }
  return out;
}

const keyPattern = (key: string) => new RegExp(`^[ \\t]*["']?${key.replace(/[-.]/g, '\\$&')}["']?[ \\t]*=`);

/** Where a table's body starts (just after its header line), whether it defines `key`; null: no such table. */
function findTable(text: string, table: string): { bodyStart: number; hasKey(key: string): boolean } | null {
  const all = lines(text);
  const at = all.findIndex(
    (l) => HEADER.exec(l.text)?.[1] !== undefined && bareName(HEADER.exec(l.text)![1]!) === table,
  );
  if (at === -1) return null;
  const body: string[] = [];
  for (const l of all.slice(at + 1)) {
    if (ANY_HEADER.test(l.text)) break;
    body.push(l.text);
  }
  return { bodyStart: all[at]!.end, hasKey: (key) => body.some((l) => keyPattern(key).test(l)) };
}

/** A top-level key (before the first table), also dotted (`setup.script = …`), that a table of that name would clash with. */
function topLevelDefines(text: string, name: string): boolean {
  for (const l of lines(text)) {
    if (ANY_HEADER.test(l.text)) return false;
    if (keyPattern(name).test(l.text) || new RegExp(`^[ \\t]*${name.replace(/[-.]/g, '\\$&')}\\.`).test(l.text))
      return true;
  }
  return false;
}

/** A TOML basic string (JSON's escapes are TOML's). */
export const tomlString = (s: string) => JSON.stringify(s);

export interface TomlSlot {
  table: string;
  key: string;
  /** The value as TOML (already quoted). */
  value: string;
}

export interface TomlEdit {
  content: string;
  /** Our blocks, as recorded in the manifest (with the final-newline note when we added one). */
  owned: string;
  /** Slots the user already filled (`key`), or that a top-level key of theirs blocks (`top-level`): instructions. */
  taken: (TomlSlot & { why: 'key' | 'top-level' })[];
}

/**
 * Add each slot: inside its table when the table exists and lacks the key, as a new table at the end when there is
 * none; a slot whose key is there already is the user's (left alone, reported in `taken`). Idempotent: a file
 * that already has our blocks is first taken back to the user's text.
 */
export function addTomlSlots(
  previous: string | null,
  slots: TomlSlot[],
  preamble = '',
  earlierOwned?: string,
): TomlEdit {
  const user = previous === null ? '' : removeBlocks(previous, earlierOwned);
  const taken: TomlEdit['taken'] = [];
  const inside: { at: number; body: string }[] = [];
  const appended: TomlSlot[] = [];
  for (const slot of slots) {
    const table = findTable(user, slot.table);
    if (table) {
      if (table.hasKey(slot.key)) taken.push({ ...slot, why: 'key' });
      else {
        // Several keys for one table: one block, in the slots' order.
        const same = inside.find((e) => e.at === table.bodyStart);
        if (same) same.body += `${slot.key} = ${slot.value}\n`;
        else inside.push({ at: table.bodyStart, body: `${slot.key} = ${slot.value}\n` });
      }
    } else if (topLevelDefines(user, slot.table)) taken.push({ ...slot, why: 'top-level' });
    else appended.push(slot);
  }
  let content = user;
  let addedFinalNewline = false;
  // From the end backwards, so earlier offsets stay right.
  for (const edit of [...inside].sort((a, b) => b.at - a.at)) {
    content = content.slice(0, edit.at) + inLineEndings(user, block(edit.body)) + content.slice(edit.at);
  }
  // A file that holds nothing of the user's is ours from the top (the preamble too), on every run.
  const ownFile = user === '' && Boolean(preamble);
  if (appended.length || ownFile) {
    const tables = new Map<string, string[]>();
    for (const s of appended) tables.set(s.table, [...(tables.get(s.table) ?? []), `${s.key} = ${s.value}`]);
    const body = [
      ...(ownFile ? [preamble] : []),
      ...[...tables].map(([t, keys]) => `[${t}]\n${keys.join('\n')}\n`),
    ].join('\n');
    const appendedTo = appendBlock(content, body);
    content = appendedTo.content;
    addedFinalNewline = appendedTo.addedFinalNewline;
  }
  // Appending to a file without a final newline added one: noted in our record, so uninstall takes it back out.
  const owned = noteAddedFinalNewline(blocksIn(content).join(''), addedFinalNewline, earlierOwned);
  return { content, owned, taken };
}
