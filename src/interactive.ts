// Whether we may prompt is decided once, here, and passed down; nothing else looks at TTYs or CI.
export interface InteractivityInput {
  flag: boolean | undefined; // --interactive / --no-interactive
  yes: boolean;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** Known variables that coding agents set in the shells they drive. */
const AGENT_ENV_VARS = [
  'CLAUDECODE',
  'CLAUDE_CODE_ENTRYPOINT',
  'CURSOR_AGENT',
  'CODEX_SANDBOX',
  'GEMINI_CLI',
  'AIDER_MODEL',
  'OPENCODE',
  'AGENT',
];

export function isCI(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.CI && env.CI !== '0' && env.CI.toLowerCase() !== 'false');
}

export function looksLikeAgent(env: NodeJS.ProcessEnv): boolean {
  return AGENT_ENV_VARS.some((k) => env[k] !== undefined && env[k] !== '');
}

/**
 * Interactive only when stdin and stdout are TTYs, CI is unset, and neither --yes nor --no-interactive was given.
 * `--interactive` forces the wizard (it still needs a TTY to read keys from).
 */
export function isInteractive(i: InteractivityInput): boolean {
  if (i.yes || i.flag === false) return false;
  if (!i.stdinIsTTY || !i.stdoutIsTTY) return false;
  if (i.flag === true) return true;
  return !isCI(i.env);
}
