// Templates are embedded at build time (`?raw`), compiled lazily on first use, and rendered without HTML
// escaping: they produce Markdown and shell, not HTML.
import Handlebars from 'handlebars';
import featureDeveloper from '../../templates/agents/feature-developer.md.hbs?raw';
import dataOptimizer from '../../templates/agents/data-optimizer.md.hbs?raw';
import migrationReviewer from '../../templates/agents/migration-reviewer.md.hbs?raw';
import databasePartial from '../../templates/partials/database.md.hbs?raw';
import commandsPartial from '../../templates/partials/commands.md.hbs?raw';
import envExample from '../../templates/env.example.hbs?raw';
import type { Templates } from '../files/engine.ts';

export const AGENT_TEMPLATES: Record<string, string> = {
  'feature-developer': featureDeveloper,
  'data-optimizer': dataOptimizer,
  'migration-reviewer': migrationReviewer,
};

let hbs: typeof Handlebars | null = null;
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function engine(): typeof Handlebars {
  if (!hbs) {
    hbs = Handlebars.create();
    hbs.registerPartial('database', databasePartial);
    hbs.registerPartial('commands', commandsPartial);
  }
  return hbs;
}

export function render(template: string, context: object): string {
  let fn = compiled.get(template);
  if (!fn) {
    fn = engine().compile(template, { noEscape: true, strict: false });
    compiled.set(template, fn);
  }
  return fn(context);
}

export function renderAgent(
  role: string,
  context: object,
  templates: Record<string, string> = AGENT_TEMPLATES,
): string {
  const t = templates[role];
  if (!t) throw new Error(`no template for role ${role}`);
  return render(t, context);
}

export function renderEnvExample(context: object): string {
  return render(envExample, context);
}

/** The templates of this release, for PlanInput.templates. */
export const TEMPLATES: Templates = {
  agent: (role, context) => renderAgent(role, context),
  envExample: renderEnvExample,
};
