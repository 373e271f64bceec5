// Our marked block in a text file whose comments start with `#` (shell hooks, YAML, TOML, git config): the lines
// between the two markers are ours, everything else is the user's. Replacing or removing the block keeps every
// other byte, in the file's own line endings.
import { restoreFinalNewline } from '../edits/final-newline.ts';

export const BLOCK_START = '# >>> create-neon-agents >>>';
export const BLOCK_END = '# <<< create-neon-agents <<<';

export function hasBlock(text: string): boolean {
  return text.includes(BLOCK_START) && text.includes(BLOCK_END);
}

/** The block in the file's own line endings (a CRLF hook keeps CRLF, so a re-run finds it unchanged). */
export function inLineEndings(text: string, block: string): string {
  return /\r\n/.test(text) ? block.replace(/\r?\n/g, '\r\n') : block;
}

export function replaceBlock(text: string, replacement: string): string {
  const block = inLineEndings(text, replacement);
  const s = text.indexOf(BLOCK_START);
  const e = text.indexOf(BLOCK_END, s);
  let end = e + BLOCK_END.length;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  return text.slice(0, s) + block + text.slice(end);
}

export function removeBlock(text: string): string {
  if (!hasBlock(text)) return text;
  return replaceBlock(text, '');
}

/** Our marked block around `body` (LF; inLineEndings adapts it to the file). */
export const block = (body: string) => `${BLOCK_START}\n${body}${BLOCK_END}\n`;

/**
 * The text with a block of ours around `body` at its end, after one blank line (none in an empty file), in the
 * file's line endings; `addedFinalNewline`: the text lacked one, so the separator added it (removeBlocks takes the
 * separator back out, restoreFinalNewline the newline, when the record says so).
 */
export function appendBlock(text: string, body: string): { content: string; addedFinalNewline: boolean } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const separator = text === '' ? '' : text.endsWith('\n') ? eol : `${eol}${eol}`;
  return {
    content: text + separator + inLineEndings(text, block(body)),
    addedFinalNewline: text !== '' && !text.endsWith('\n'),
  };
}

/** Our blocks in a text, in order. */
export function blocksIn(text: string): string[] {
  const out: string[] = [];
  let at = text.indexOf(BLOCK_START);
  while (at !== -1) {
    const end = text.indexOf(BLOCK_END, at);
    if (end === -1) break;
    let stop = end + BLOCK_END.length;
    if (text[stop] === '\r') stop++;
    if (text[stop] === '\n') stop++;
    out.push(text.slice(at, stop));
    at = text.indexOf(BLOCK_START, stop);
  }
  return out;
}

/** The text without our blocks (and the separator and final newline we added with them). */
export function removeBlocks(text: string, owned: string | undefined): string {
  let out = text;
  while (hasBlock(out)) {
    const at = out.indexOf(BLOCK_START);
    const before = out.slice(0, at);
    out = removeBlock(out);
    // An appended block came after one blank separator line of ours.
    if (out.length === at && /(\r?\n){2}$/.test(before)) out = out.replace(/\r?\n$/, '');
  }
  return restoreFinalNewline(out, owned);
}
