// The build replaces __VERSION__ with package.json's version; tests running from source fall back to reading it.
declare const __VERSION__: string | undefined;
import { readFileSync } from 'node:fs';

export const VERSION: string =
  typeof __VERSION__ === 'string'
    ? __VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
