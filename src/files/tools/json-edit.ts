// Adding a value to a JSON config of a tool's (an array item, an object property) at the text level, indented like
// its neighbours, so every other byte stays; what we insert is recorded exactly, so uninstall takes those bytes out.
import { parseTree, findNodeAtLocation, type Node, type ParseError } from 'jsonc-parser';

export interface JsonInsert {
  content: string;
  /** The exact text inserted (uninstall removes it). */
  inserted: string;
}

/** The indentation of a node's line, and the file's end of line. */
function layout(text: string, node: Node): { indent: string; eol: string } {
  const lineStart = text.lastIndexOf('\n', node.offset - 1) + 1;
  return { indent: /^[ \t]*/.exec(text.slice(lineStart))![0], eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** One level of indentation as the file uses it (two spaces when it shows none). */
function unit(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
}

/** Insert `value` (JSON text) as the last item of the array node, or as the first of an empty one. */
export function appendItem(text: string, array: Node, value: string): JsonInsert {
  const items = array.children ?? [];
  const close = array.offset + array.length - 1; // the `]`
  if (!items.length) {
    const inserted = value;
    return { content: text.slice(0, close) + inserted + text.slice(close), inserted };
  }
  const last = items[items.length - 1]!;
  const end = last.offset + last.length;
  const first = items[0]!;
  // Same line as the items before (["a", "b"]) or one per line.
  const multiline = text.slice(array.offset, first.offset).includes('\n');
  const inserted = multiline ? `,${layout(text, last).eol}${layout(text, last).indent}${value}` : `, ${value}`;
  return { content: text.slice(0, end) + inserted + text.slice(end), inserted };
}

/** Insert `"key": value` as the last property of the object node. */
export function appendProperty(text: string, object: Node, key: string, value: string): JsonInsert {
  const props = object.children ?? [];
  const close = object.offset + object.length - 1; // the `}`
  const { eol } = layout(text, object);
  if (!props.length) {
    const indent = layout(text, object).indent + unit(text);
    const inserted = `${eol}${indent}${JSON.stringify(key)}: ${value}${eol}${layout(text, object).indent}`;
    return { content: text.slice(0, object.offset + 1) + inserted + text.slice(close), inserted };
  }
  const last = props[props.length - 1]!;
  const end = last.offset + last.length;
  // One property per line, or all on the object's line (`{ "a": 1 }`): the new one follows suit.
  const multiline = text.slice(object.offset, props[0]!.offset).includes('\n');
  const inserted = multiline
    ? `,${eol}${layout(text, last).indent}${JSON.stringify(key)}: ${value}`
    : `, ${JSON.stringify(key)}: ${value}`;
  return { content: text.slice(0, end) + inserted + text.slice(end), inserted };
}

export function jsonTree(text: string): Node | undefined {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return errors.length ? undefined : tree;
}

export const nodeAt = (tree: Node, path: (string | number)[]) => findNodeAtLocation(tree, path);

/** Take our recorded insertion back out; null when the file no longer holds it verbatim. */
export function removeInserted(text: string, inserted: string): string | null {
  const at = text.indexOf(inserted);
  if (!inserted || at === -1 || text.indexOf(inserted, at + 1) !== -1) return null;
  return text.slice(0, at) + text.slice(at + inserted.length);
}
