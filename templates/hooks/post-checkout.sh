# >>> create-neon-agents >>>
# Gives each new git worktree its own Neon branch (settings: .claude/neon-agents.json). Never fails the checkout.
if [ "${NEON_AGENTS_SKIP_HOOK:-}" != "1" ] && [ "${3:-}" = "1" ]; then
  neon_agents_rt=.claude/hooks/neon-worktree.mjs
  if [ ! -f "$neon_agents_rt" ]; then
    # Not committed in this checkout yet: use the main checkout's copy (first non-bare worktree).
    # shellcheck disable=SC2046
    neon_agents_main=$( (unset $(git rev-parse --local-env-vars 2>/dev/null); git worktree list --porcelain 2>/dev/null) | awk '/^worktree /{p=substr($0,10);b=0;next} /^bare$/{b=1;next} /^$/{if(p!=""&&!b&&!d){print p;d=1} p=""} END{if(p!=""&&!b&&!d)print p}' || true)
    neon_agents_rt="$neon_agents_main/.claude/hooks/neon-worktree.mjs"
  fi
  if [ -f "$neon_agents_rt" ]; then
    if command -v node >/dev/null 2>&1; then
      node "$neon_agents_rt" post-checkout "$1" "$2" "$3" </dev/null >&2 || echo "create-neon-agents: post-checkout failed; git is unaffected. Retry: node $neon_agents_rt ensure" >&2
    else
      echo "create-neon-agents: node not found on PATH, so this worktree has no Neon branch. Retry: node $neon_agents_rt ensure" >&2
    fi
  fi
fi
# <<< create-neon-agents <<<
