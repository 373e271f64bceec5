// Our marked block in a git hook, and the text operations on it: insert after the shebang (CRLF kept), replace,
// remove. The block itself is templates/hooks/post-checkout.sh, a plain POSIX sh file that shellcheck lints as is.
import blockTemplate from '../../../templates/hooks/post-checkout.sh?raw';
import { RUNTIME_PATH } from '../../shared/manifest.ts';

export { BLOCK_START, BLOCK_END, hasBlock, replaceBlock, removeBlock, inLineEndings } from '../marked-block.ts';
import { hasBlock, replaceBlock, inLineEndings, removeBlock } from '../marked-block.ts';
/** Name a non-sh foreign hook is moved to, and exec'd from ours. */
export const CHAINED_SUFFIX = '.neon-agents-prev';

/** The marked block: POSIX sh, never fails the checkout, honours NEON_AGENTS_SKIP_HOOK. */
export function hookBlock(): string {
  return blockTemplate;
}

/** One-line command for hook managers that run a command string with the git arguments. */
export function managerCommand(args = '"$1" "$2" "$3"'): string {
  return `[ "\${NEON_AGENTS_SKIP_HOOK:-}" = "1" ] || [ ! -f ${RUNTIME_PATH} ] || node ${RUNTIME_PATH} post-checkout ${args} || true`;
}

/** Our hook of our own, chaining a foreign non-sh hook moved aside. */
export const chainedHook = () =>
  `#!/bin/sh\n${hookBlock()}exec "$(dirname "$0")/post-checkout${CHAINED_SUFFIX}" "$@"\n`;

const SH_SHEBANG = /^#!\s*(\/usr\/bin\/env\s+(-S\s+)?)?(\/\S*\/)?(sh|bash|dash|ksh|zsh)\b/;

export function isShellScript(text: string): boolean {
  if (!text.startsWith('#!')) return !text.includes('\0'); // git runs shebang-less hooks with /bin/sh
  return SH_SHEBANG.test(text);
}

/** Insert the block right after the shebang line (or at the top of a shebang-less script), in the file's line endings. */
export function insertBlock(text: string, block: string): string {
  if (hasBlock(text)) return replaceBlock(text, block);
  const b = inLineEndings(text, block);
  if (text.startsWith('#!')) {
    const nl = text.indexOf('\n');
    if (nl === -1) return `${text}\n${b}`;
    return text.slice(0, nl + 1) + b + text.slice(nl + 1);
  }
  return b + text;
}

/**
 * Inverse of the hook wiring for one file's text: the content to write back, or null to delete the file (it held
 * only our hook). `restoreChained`: our file exec'd a foreign hook we moved aside, which goes back.
 */
export function removeGitHook(text: string): { content: string | null; restoreChained: boolean } {
  if (!hasBlock(text)) return { content: text, restoreChained: false };
  const without = removeBlock(text);
  const chainedExec = `exec "$(dirname "$0")/post-checkout${CHAINED_SUFFIX}" "$@"\n`;
  if (without === `#!/bin/sh\n${chainedExec}`) return { content: null, restoreChained: true };
  if (without === '#!/bin/sh\n' || without.trim() === '') return { content: null, restoreChained: false };
  return { content: without, restoreChained: false };
}
