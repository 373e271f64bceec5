// Appending lines to a file that had no final newline adds one before them; taking the lines back out must drop
// that newline again, or the file is not byte-identical to what it was. The file alone cannot tell (with or
// without it, the result reads the same), so the manifest's record of our lines carries a note, kept across runs.
export const NO_FINAL_NEWLINE = '# create-neon-agents: this file had no final newline';

/** Our record of the lines we own, with the note when this edit (or an earlier one) added the final newline. */
export function noteFinalNewline(
  owned: string,
  previous: string | null,
  content: string,
  earlierRecord: string | null | undefined,
): string {
  const now =
    previous !== null &&
    previous.length > 0 &&
    !previous.endsWith('\n') &&
    content !== previous &&
    content.startsWith(previous);
  return noteAddedFinalNewline(owned, now, earlierRecord);
}

/** Our record with the note when `added` (this edit added the file's final newline) or an earlier record had it. */
export function noteAddedFinalNewline(owned: string, added: boolean, earlierRecord: string | null | undefined): string {
  const earlier = (earlierRecord ?? '').split(/\r?\n/).includes(NO_FINAL_NEWLINE);
  return earlier || added ? `${owned}${owned && !owned.endsWith('\n') ? '\n' : ''}${NO_FINAL_NEWLINE}` : owned;
}

/** The file's text with our lines taken out: without the final newline we added, when the record says we did. */
export function restoreFinalNewline(text: string, record: string | null | undefined): string {
  if (!(record ?? '').split(/\r?\n/).includes(NO_FINAL_NEWLINE)) return text;
  return text.replace(/\r?\n$/, '');
}
