// `ensure`: provision this linked worktree now, for tools that skip git hooks (idempotent; asks Neon whether the
// branch still exists, and replaces one that expired). Exit 1 when the worktree is left without its own database.
import { MANIFEST_PATH, urlVar } from '../../shared/manifest.ts';
import type { RuntimeContext } from '../context.ts';
import { provision } from '../provision.ts';

export async function ensure(ctx: RuntimeContext): Promise<number> {
  if (!ctx.checkout().isLinked) {
    const answers = ctx.answers();
    ctx.say(
      `this is the main checkout: it uses the ${answers ? urlVar(answers) : 'DATABASE_URL'} in its own env file; \`ensure\` is for linked worktrees`,
    );
    return 0;
  }
  // provision() also points (or clears) every other env file of the worktree.
  const out = await provision(ctx, { recheck: true });
  if (out.status === 'not-configured') {
    ctx.say(`create-neon-agents is not set up in this repository (no ${MANIFEST_PATH})`);
    return 1;
  }
  return out.status === 'failed' ? 1 : 0;
}
