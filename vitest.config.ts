import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { TEMPLATE_SUFFIX, templateModule } from './scripts/handlebars-template.mjs';

export default defineConfig({
  // `?template` imports: the same precompiled templates the build bundles (scripts/handlebars-template.mjs).
  plugins: [
    {
      name: 'handlebars-template',
      enforce: 'pre',
      load(id) {
        if (id.endsWith(TEMPLATE_SUFFIX))
          return templateModule(readFileSync(id.slice(0, -TEMPLATE_SUFFIX.length), 'utf8'));
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // Fixture apps may carry tests of their own: they are data here.
    exclude: ['test/fixtures/**', 'node_modules/**'],
    setupFiles: ['test/setup/fast-check.ts', 'test/setup/isolated-config.ts'],
    // Integration tests spawn git, the Neon CLI and PostgreSQL: give them room, but keep files in parallel
    // only as far as this 2-core machine allows.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
