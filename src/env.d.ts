// Text imports: `import text from './file?raw'`. Vitest resolves them natively; scripts/build.mjs
// gives esbuild the same meaning, so templates are embedded in the bundle and read no files at run time.
declare module '*?raw' {
  const text: string;
  export default text;
}

// js-yaml ships no types: the part src/validate/agent.ts uses (https://github.com/nodeca/js-yaml#load-string---options-).
declare module 'js-yaml' {
  export const CORE_SCHEMA: object;
  /** Throws a YAMLException (its message's first line names the problem and the position). */
  export function load(text: string, options?: { schema?: object; filename?: string; json?: boolean }): unknown;
}

// Precompiled handlebars templates: `import render from './file.hbs?template'` (scripts/handlebars-template.mjs).
declare module '*?template' {
  const template: (context: object) => string;
  export default template;
}
