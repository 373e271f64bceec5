// A test-only way to install an "older release": render the plan with another template set and version, and
// apply it exactly as the CLI would. Upgrade tests then run today's built CLI over the result.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { detect } from '../../src/detect/index.ts';
import { plan } from '../../src/plan/plan.ts';
import { apply } from '../../src/apply.ts';
import Handlebars from 'handlebars';
import { AGENT_TEMPLATES, PARTIALS, TEMPLATES, renderAgent, type Template } from '../../src/plan/render.ts';
import { TEMPLATE_OPTIONS } from '../../scripts/handlebars-template.mjs';
import { DEFAULT_ANSWERS, type ManifestAnswers } from '../../src/shared/manifest.ts';
import { ROOT } from './repo.ts';

export const OLD_VERSION = '0.0.9';

/**
 * Today's feature-developer template with one line of step 1 worded differently: the "older" template. The shipped
 * templates are precompiled, so this one is compiled here from the source, calling today's partials.
 */
export function olderTemplates(): Record<string, Template> {
  const source = (f: string) => readFileSync(path.join(ROOT, 'templates', f), 'utf8');
  const current = source('agents/feature-developer.md.hbs');
  const line =
    '1. Read the code around the feature first and follow the patterns you find: naming, folder layout, error handling,';
  if (!current.includes(line))
    throw new Error('test fixture out of date: the line it rewrites is gone from the template');
  const hbs = Handlebars.create();
  for (const [name, partial] of Object.entries(PARTIALS)) hbs.registerPartial(name, partial);
  return {
    ...AGENT_TEMPLATES,
    'feature-developer': hbs.compile(
      current.replace(line, '1. Read the code first and follow its patterns: naming, folder layout, error handling,'),
      TEMPLATE_OPTIONS,
    ),
  };
}

export function installOlderVersion(repo: string, answers: Partial<ManifestAnswers> = {}): void {
  const d = detect(repo, {});
  const p = plan({
    version: OLD_VERSION,
    answers: { ...DEFAULT_ANSWERS, envFile: d.project.envFile, projectId: 'winter-sun-12345678', ...answers },
    apiKey: undefined,
    userCredentialsFile: '/home/user/.config/create-neon-agents/credentials.json',
    repo: d.repo,
    project: d.project,
    pm: d.pm,
    manifest: null,
    files: {
      read: (f) => {
        try {
          return readFileSync(f, 'utf8');
        } catch {
          return null;
        }
      },
      mode: () => null,
    },
    ignored: new Set(),
    envFileTracked: false,
    runtimeSource: readFileSync(path.join(ROOT, 'dist/runtime/neon-worktree.mjs'), 'utf8'),
    force: false,
    templates: { ...TEMPLATES, agent: (role, context) => renderAgent(role, context, olderTemplates()) },
  });
  apply(p.ops);
}
