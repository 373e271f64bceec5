// Our marked block in a text file whose comments start with `#` (shell hooks, YAML, TOML, git config): the lines
// between the two markers are ours, everything else is the user's. Replacing or removing the block keeps every
// other byte, in the file's own line endings.
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
