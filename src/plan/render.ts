// Templates are precompiled at build time (`?template`, scripts/handlebars-template.mjs), so only handlebars'
// runtime ships; they render without HTML escaping: they produce Markdown and shell, not HTML.
import Handlebars from 'handlebars/runtime';
import featureDeveloper from '../../templates/agents/feature-developer.md.hbs?template';
import dataOptimizer from '../../templates/agents/data-optimizer.md.hbs?template';
import migrationReviewer from '../../templates/agents/migration-reviewer.md.hbs?template';
import databasePartial from '../../templates/partials/database.md.hbs?template';
import commandsPartial from '../../templates/partials/commands.md.hbs?template';
import envExample from '../../templates/env.example.hbs?template';
import type { Templates } from '../files/engine.ts';

export type Template = (context: object) => string;

export const AGENT_TEMPLATES: Record<string, Template> = {
  'feature-developer': featureDeveloper,
  'data-optimizer': dataOptimizer,
  'migration-reviewer': migrationReviewer,
};

/** The partials the agent templates call (`{{> database}}`), by name. */
export const PARTIALS: Record<string, Template> = { database: databasePartial, commands: commandsPartial };

// The precompiled templates are bound to this same runtime, so its partials are theirs.
for (const [name, partial] of Object.entries(PARTIALS)) Handlebars.registerPartial(name, partial);

export function renderAgent(
  role: string,
  context: object,
  templates: Record<string, Template> = AGENT_TEMPLATES,
): string {
  const t = templates[role];
  if (!t) throw new Error(`no template for role ${role}`);
  return t(context);
}

export function renderEnvExample(context: object): string {
  return envExample(context);
}

/** The templates of this release, for PlanInput.templates. */
export const TEMPLATES: Templates = {
  agent: (role, context) => renderAgent(role, context),
  envExample: renderEnvExample,
};
