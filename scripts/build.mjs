#!/usr/bin/env node
// Builds every program in this repository with esbuild:
//  - dist/runtime/neon-worktree.mjs  the per-worktree runtime written into users' repos (Node built-ins only)
//  - dist/cli.mjs + dist/chunks/*.mjs the initializer: a small entry (options, --help) and lazily loaded chunks with
//                                    its libraries and templates bundled in (zero runtime dependencies)
//  - dist/dev/*.mjs                  dev tooling (local Neon, demo, bench); never published
// Why esbuild: one small, well-kept tool gives us bundling (zero runtime dependencies for `npm create`),
// TypeScript stripping and text imports in ~100 ms; tsc alone can do none of the first and last.
import { build } from 'esbuild';
import { readFile, chmod, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { TEMPLATE_SUFFIX, templateModule } from './handlebars-template.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

/** `import text from './x?raw'` → the file's text, as Vite/Vitest do. */
const rawPlugin = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -4)),
      namespace: 'raw',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
      watchFiles: [args.path],
    }));
  },
};

/** `import render from './x.hbs?template'` → a precompiled template (scripts/handlebars-template.mjs). */
const templatePlugin = {
  name: 'handlebars-template',
  setup(b) {
    b.onResolve({ filter: /\?template$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -TEMPLATE_SUFFIX.length)),
      namespace: 'template',
    }));
    b.onLoad({ filter: /.*/, namespace: 'template' }, async (args) => ({
      contents: templateModule(await readFile(args.path, 'utf8')),
      loader: 'js',
      resolveDir: root,
      watchFiles: [args.path],
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [rawPlugin],
  define: { __VERSION__: JSON.stringify(pkg.version) },
};

// Bundled CommonJS libraries (handlebars, fs-extra) call require(); give the ESM bundle one.
const requireShim =
  "import { createRequire as __cna_createRequire } from 'node:module'; const require = __cna_createRequire(import.meta.url);";

await rm(path.join(root, 'dist'), { recursive: true, force: true });
await mkdir(path.join(root, 'dist'), { recursive: true });

// 1. The runtime first: the CLI embeds its text.
if (existsSync(path.join(root, 'src/runtime/main.ts'))) {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const result = await build({
    ...common,
    entryPoints: [path.join(root, 'src/runtime/main.ts')],
    outfile: path.join(root, 'dist/runtime/neon-worktree.mjs'),
    banner: {
      js: '#!/usr/bin/env node\n// neon-worktree: written by create-neon-agents. Regenerate with `npm create neon-agents@latest`.',
    },
    metafile: true,
    minify: false,
  });
  for (const input of Object.values(result.metafile.outputs)) {
    for (const imp of input.imports) {
      if (!builtins.has(imp.path)) throw new Error(`runtime must only use Node built-ins, but imports ${imp.path}`);
    }
  }
  await chmod(path.join(root, 'dist/runtime/neon-worktree.mjs'), 0o755);
} else {
  throw new Error('src/runtime/main.ts is missing: the runtime must be built before the CLI that embeds it');
}

// 2. The initializer, split so that start-up loads only what the command needs: dist/cli.mjs (the bin) holds the
//    option table, --help and --version; commands/init.ts, prompts.ts and the embedded runtime text (all imported
//    with `await import()` in src/cli.ts) and the libraries they use land in dist/chunks/*.mjs, loaded on demand.
const cli = await build({
  ...common,
  entryPoints: { cli: path.join(root, 'src/cli.ts') },
  outdir: path.join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [rawPlugin, templatePlugin],
  banner: { js: `#!/usr/bin/env node\n${requireShim}` },
  metafile: true,
  minify: true,
});
// Templates are precompiled: handlebars' compiler (and its parser) must not reach the published bundle.
for (const out of Object.values(cli.metafile.outputs)) {
  const compiler = Object.keys(out.inputs).find((f) =>
    /handlebars[\\/](dist[\\/]cjs[\\/])?handlebars[\\/]compiler[\\/]/.test(f),
  );
  if (compiler) throw new Error(`the CLI bundles handlebars' compiler (${compiler}): import templates with ?template`);
}
// The banner gives every output file a require(); an external import other than a Node built-in would be a runtime dependency.
{
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  for (const [file, out] of Object.entries(cli.metafile.outputs)) {
    for (const imp of out.imports) {
      if (imp.external && !builtins.has(imp.path))
        throw new Error(`${file} imports ${imp.path}: the published CLI must have zero runtime dependencies`);
    }
  }
}
await chmod(path.join(root, 'dist/cli.mjs'), 0o755);

// 3. Dev tooling: dependencies stay external (they are devDependencies).
const devEntries = [
  ['dev/local-neon/cli.ts', 'dist/dev/local-neon.mjs'],
  ['dev/demo.ts', 'dist/dev/demo.mjs'],
  ['dev/bench.ts', 'dist/dev/bench.mjs'],
].filter(([src]) => existsSync(path.join(root, src)));
for (const [src, out] of devEntries) {
  await build({
    ...common,
    entryPoints: [path.join(root, src)],
    outfile: path.join(root, out),
    packages: 'external',
    banner: { js: requireShim },
  });
}
