// Every process a test starts inherits this worker's environment. A developer who has used the tool for real (or
// its demo, or local Neon by hand) has ~/.config/create-neon-agents/credentials.json; a test that means "no key"
// must not find theirs. So each test file gets an empty config folder of its own; tests that need one set their own.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const config = mkdtempSync(path.join(os.tmpdir(), 'cna-test-config-'));
process.env.XDG_CONFIG_HOME = config;
afterAll(() => rmSync(config, { recursive: true, force: true }));
