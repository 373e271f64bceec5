// `import render from './x.hbs?template'` → the template precompiled into a function bound to handlebars' runtime.
// Shared by the esbuild build (scripts/build.mjs) and vitest (vitest.config.ts), so tests render exactly what ships.
// Why precompile: the published CLI then carries handlebars' runtime (about 18 kB minified) instead of its whole
// compiler (about 83 kB): the templates are fixed at build time, so compiling them on the user's machine bought nothing.
import Handlebars from 'handlebars';

/** Markdown and shell, not HTML: no escaping; a missing value renders empty, as before. */
export const TEMPLATE_OPTIONS = { noEscape: true, strict: false };

export const TEMPLATE_SUFFIX = '?template';

/** The ES module for one template's text. Partials resolve on the same runtime (src/plan/render.ts registers them). */
export function templateModule(text) {
  const spec = Handlebars.precompile(text, TEMPLATE_OPTIONS);
  return `import Handlebars from 'handlebars/runtime';\nexport default Handlebars.template(${spec});\n`;
}
