// The agent role files `.claude/agents/<role>.md`: rendered from templates/agents, whole files we own. Roles
// dropped since the last run go (unless the user edited them), so a narrower selection really takes effect.
import path from 'node:path';
import { ROLES } from '../roles.ts';
import { roleCommands } from '../detect/project.ts';
import { validateAgentFile } from '../validate/agent.ts';
import { RUNTIME_ANYWHERE } from '../shared/claude-hooks.ts';
import type { FileOp } from '../plan/ops.ts';
import {
  CONFLICT_MARKERS,
  ownedFile,
  removeOwnedFile,
  sha256,
  type Finding,
  type PlanInput,
  type Unit,
} from './engine.ts';

export const AGENT_DIR = '.claude/agents';
const AGENT_FILE = /^\.claude\/agents\/([a-z0-9-]+)\.md$/;
const agentPath = (role: string) => `${AGENT_DIR}/${role}.md`;

/** Context the agent templates see. */
export function agentContext(input: Pick<PlanInput, 'answers' | 'project' | 'pm'>, role: string) {
  const spec = ROLES.find((r) => r.name === role)!;
  // Scripts that bring their own secrets (doppler run…) or load another env file are replaced by their plain command.
  const cmds = roleCommands(input.project, input.answers.envFile, input.answers.databaseUrlVar);
  return {
    role: { ...spec, tools: spec.tools.join(', ') },
    permissionMode: input.answers.permissionMode,
    envFile: input.answers.envFile,
    databaseUrlVar: input.answers.databaseUrlVar,
    directUrlVar: input.answers.directUrlVar,
    runtime: `node ${RUNTIME_ANYWHERE}`,
    pm: input.pm,
    orm: cmds.orm,
    commands: cmds.commands,
    commandNotes: cmds.notes,
  };
}

export const agents: Unit = {
  id: 'agents',
  claims: (key) => AGENT_FILE.test(key),

  plan(input) {
    const ops: FileOp[] = [];
    const blockers: string[] = [];
    // Validated before anything is written: Claude Code drops bad agent files silently.
    for (const role of input.answers.roles) {
      const rel = agentPath(role);
      const text = input.templates.agent(role, agentContext(input, role));
      const check = validateAgentFile(text);
      if (!check.ok) blockers.push(`internal error: the generated ${rel} is invalid: ${check.errors.join('; ')}`);
      ops.push(ownedFile(input, rel, text, 0o644));
    }
    for (const [rel, entry] of Object.entries(input.manifest?.files ?? {})) {
      const role = AGENT_FILE.exec(rel)?.[1];
      if (!role || input.answers.roles.includes(role)) continue;
      const abs = path.join(input.repo.root, rel);
      const previous = input.files.read(abs);
      if (previous === null) continue;
      const untouched = sha256(previous) === entry.sha256;
      ops.push({
        type: 'delete',
        path: abs,
        display: rel,
        previous,
        action: untouched || input.force ? 'delete' : 'skip',
        reason:
          untouched || input.force
            ? `role ${role} is no longer selected`
            : `role ${role} is no longer selected, but you edited it: kept (delete it yourself, or --force)`,
      });
    }
    return { ops, blockers };
  },

  remove(input) {
    const ops = Object.keys(input.manifest.files)
      .filter((key) => AGENT_FILE.test(key))
      .flatMap((key) => removeOwnedFile(input, path.join(input.repo.root, key), key));
    return { ops, emptyDirs: [path.join(input.repo.root, AGENT_DIR)] };
  },

  check(input) {
    const findings: Finding[] = [];
    for (const role of input.manifest.answers.roles) {
      const rel = agentPath(role);
      const text = input.files.read(path.join(input.repo.root, rel));
      if (text === null) {
        findings.push({
          check: 'agents',
          level: 'warn',
          message: `${rel} is missing`,
          fix: `run ${input.rerun('--yes --restore')}`,
        });
        continue;
      }
      const valid = validateAgentFile(text);
      if (CONFLICT_MARKERS.test(text))
        findings.push({
          check: 'agents',
          level: 'problem',
          message: `${rel} still has conflict markers from an upgrade`,
          fix: 'resolve the <<<<<<< … >>>>>>> blocks, then commit',
        });
      else if (!valid.ok)
        findings.push({
          check: 'agents',
          level: 'problem',
          message: `${rel}: ${valid.errors.join('; ')}`,
          fix: 'fix the frontmatter (Claude Code silently skips invalid agent files)',
        });
      else findings.push({ check: 'agents', level: 'ok', message: `${rel} is valid` });
    }
    return findings;
  },
};
