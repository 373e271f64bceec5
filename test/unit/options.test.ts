import { describe, expect, it } from 'vitest';
import { parseOptions, helpText, OPTION_SPECS } from '../../src/options.ts';
import { isInteractive } from '../../src/interactive.ts';
import { detectPackageManager } from '../../src/detect/package-manager.ts';
import { UsageError } from '../../src/errors.ts';

describe('options', () => {
  it('flags override the environment, which fills what flags leave out', () => {
    const o = parseOptions(['--project-id', 'a-b-1', '--branch-ttl', '0', '--no-pooled', 'dir'], {
      NEON_PROJECT_ID: 'x-y',
      NEON_API_KEY: 'napi_fromTheEnvironment1',
    });
    expect(o).toMatchObject({ dir: 'dir', command: 'init', verify: true });
    // Each given answer says where it came from.
    expect(o.given).toEqual({
      projectId: { value: 'a-b-1', source: 'flag' },
      apiKey: { value: 'napi_fromTheEnvironment1', source: 'env' },
      branchTtlDays: { value: 0, source: 'flag' },
      pooled: { value: false, source: 'flag' },
    });
    expect(parseOptions([], { NEON_PROJECT_ID: 'x-y' }).given.projectId).toEqual({ value: 'x-y', source: 'env' });
  });
  it.each([
    ['quotes', `napi_abc"def'0123456789`],
    ['a command substitution', 'napi_$(touch /tmp/pwned)0123'],
    ['backticks', 'napi_`id`0123456789abcdef'],
    ['a backslash', 'napi_abc\\def0123456789'],
    ['a space', 'napi_abc def0123456789'],
    ['too short', 'napi_x'],
  ])('an API key with %s is a usage error that names the fix, from the flag and from the environment', (_what, key) => {
    expect(() => parseOptions(['--api-key', key], {})).toThrow(
      /--api-key .*a Neon API key is letters, digits, _ and - only/,
    );
    expect(() => parseOptions([], { NEON_API_KEY: key })).toThrow(/NEON_API_KEY .*Copy it again/);
    try {
      parseOptions(['--api-key', key], {});
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as Error).message).not.toContain(key); // never echo a secret
    }
  });
  it('subcommands and --check', () => {
    expect(parseOptions(['doctor', 'app'], {})).toMatchObject({ command: 'doctor', dir: 'app' });
    expect(parseOptions(['uninstall'], {}).command).toBe('uninstall');
    expect(parseOptions(['--check'], {}).command).toBe('check');
  });
  it('--env-path is the Node-20-safe alias of --env-file', () => {
    expect(parseOptions(['--env-path', './apps/web/.env.local'], {}).given.envFile?.value).toBe('apps/web/.env.local');
  });
  it.each([
    ['--roles', ''],
    ['--branch-ttl', '3.5'],
    ['--project-id', 'UPPER_case'],
  ])('rejects %s %j with a usage error', (flag, value) => {
    expect(() => parseOptions([flag, value], {})).toThrow(UsageError);
  });
  it('--database-url-var and --direct-url-var: names, and none / empty clears the direct one', () => {
    expect(
      parseOptions(['--database-url-var', 'POSTGRES_URL', '--direct-url-var', 'POSTGRES_URL_NON_POOLING'], {}).given,
    ).toMatchObject({
      databaseUrlVar: { value: 'POSTGRES_URL' },
      directUrlVar: { value: 'POSTGRES_URL_NON_POOLING' },
    });
    expect(parseOptions(['--direct-url-var', 'none'], {}).given.directUrlVar?.value).toBeNull();
    expect(parseOptions(['--direct-url-var', ''], {}).given.directUrlVar?.value).toBeNull();
    expect(parseOptions(['--direct-url-var=NONE'], {}).given.directUrlVar?.value).toBeNull();
    expect(parseOptions([], {}).given).toEqual({});
  });
  it.each([
    [
      ['--database-url-var', 'postgres-url'],
      /--database-url-var must be an environment variable name .* e\.g\. DATABASE_URL or POSTGRES_URL; got "postgres-url"/,
    ],
    [['--database-url-var', '1URL'], /--database-url-var must be an environment variable name/],
    [['--database-url-var', ''], /--database-url-var needs a value/],
    [
      ['--direct-url-var', 'DIRECT URL'],
      /--direct-url-var must be an environment variable name .*\(or '' \/ none for no direct URL\)/,
    ],
    [['--key-store', 'home'], /--key-store takes user or env-file, got "home"/],
    [['--agent-data', 'masked'], /--agent-data takes full or anonymized, got "masked"/],
    [
      ['--database-url-var', 'X', '--direct-url-var', 'X'],
      /name the same variable \(X\); give the direct URL another name, or --direct-url-var none/,
    ],
  ])('%j is a usage error naming the fix', (argv, message) => {
    expect(() => parseOptions(argv, {})).toThrow(UsageError);
    expect(() => parseOptions(argv, {})).toThrow(message);
  });
  it('--database-name and --role-name: the names the runtime asks Neon for; a bad one is a usage error', () => {
    expect(parseOptions(['--database-name', ' app ', '--role-name', 'neondb_owner'], {}).given).toEqual({
      databaseName: { value: 'app', source: 'flag' },
      roleName: { value: 'neondb_owner', source: 'flag' },
    });
    expect(() => parseOptions(['--database-name', ''], {})).toThrow('--database-name needs a value');
    expect(() => parseOptions(['--role-name', 'x'.repeat(64)], {})).toThrow(
      /--role-name must be a Postgres name of 1 to 63 bytes without control characters/,
    );
    expect(() => parseOptions(['--database-name', 'a\tb'], {})).toThrow(UsageError);
  });
  it('help lists every option with its default', () => {
    const h = helpText('1.2.3');
    for (const s of OPTION_SPECS) {
      expect(h).toContain(`--${s.flag}`);
      if (s.def) expect(h).toContain(`default: ${s.def}`);
    }
  });
});

describe('isInteractive: decided once', () => {
  const tty = { stdinIsTTY: true, stdoutIsTTY: true, env: {}, yes: false, flag: undefined };
  it.each([
    ['a terminal', tty, true],
    ['--yes', { ...tty, yes: true }, false],
    ['--no-interactive', { ...tty, flag: false }, false],
    ['CI', { ...tty, env: { CI: 'true' } }, false],
    ['CI=false', { ...tty, env: { CI: 'false' } }, true],
    ['--interactive in CI', { ...tty, env: { CI: '1' }, flag: true }, true],
    ['piped stdout', { ...tty, stdoutIsTTY: false }, false],
    ['no stdin', { ...tty, stdinIsTTY: false, flag: true }, false],
  ])('%s', (_w, i, expected) => expect(isInteractive(i as Parameters<typeof isInteractive>[0])).toBe(expected));
});

describe('package manager', () => {
  it('the user agent decides when there is no lockfile', () => {
    expect(detectPackageManager(['/nonexistent'], 'pnpm/9.1.0 npm/? node/v20.20.2 linux x64').name).toBe('pnpm');
    expect(detectPackageManager(['/nonexistent'], 'bun/1.1.0').exec).toBe('bunx');
    expect(detectPackageManager(['/nonexistent'], undefined)).toMatchObject({ name: 'npm', source: 'default' });
  });
});
