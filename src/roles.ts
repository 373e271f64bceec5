// The agent roles we can write. Each is a template in templates/agents/<name>.md.hbs; the fields here are
// the parts of the frontmatter that are facts about the role rather than prose.
export interface RoleSpec {
  name: string;
  /** When Claude should delegate to this agent (frontmatter `description`; one line, no YAML specials). */
  description: string;
  /** The tools the role needs, nothing more (frontmatter `tools`). */
  tools: string[];
  color: 'red' | 'blue' | 'green' | 'yellow' | 'purple' | 'orange' | 'pink' | 'cyan';
  /** One line for the wizard's multiselect. */
  hint: string;
}

export const ROLES: RoleSpec[] = [
  {
    name: 'feature-developer',
    description:
      'Use to build a feature end to end (schema change, server logic, routes, tests) in its own worktree and its own Neon database branch, in parallel with other agents',
    tools: ['Read', 'Write', 'Edit', 'Bash', 'Grep', 'Glob'],
    color: 'green',
    hint: 'builds a feature end to end, schema change included',
  },
  {
    name: 'data-optimizer',
    description:
      'Use to find and fix slow queries, N+1 patterns and missing indexes, measuring before and after on its own Neon database branch without touching shared data',
    tools: ['Read', 'Write', 'Edit', 'Bash', 'Grep', 'Glob'],
    color: 'blue',
    hint: 'indexes and query rewrites, measured on real data',
  },
  {
    name: 'migration-reviewer',
    description:
      'Use to review a pending schema migration by applying it to its own Neon database branch, checking data loss, locking and rollback before anyone merges it',
    tools: ['Read', 'Bash', 'Grep', 'Glob'],
    color: 'orange',
    hint: 'applies a migration to a throwaway branch and reports risks',
  },
];

export const ROLE_NAMES = ROLES.map((r) => r.name);
