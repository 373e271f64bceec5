// Text imports: `import text from './file?raw'`. Vitest resolves them natively; scripts/build.mjs
// gives esbuild the same meaning, so templates are embedded in the bundle and read no files at run time.
declare module '*?raw' {
  const text: string;
  export default text;
}
