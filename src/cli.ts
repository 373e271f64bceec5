// Entry point: parse, decide interactivity once, run the command, map every outcome to the exit-code contract
// (0 ok, 1 failure, 2 usage or missing input, 130 cancelled).
import { parseOptions, helpText } from './options.ts';
import { isInteractive, isCI, looksLikeAgent } from './interactive.ts';
import { CliError } from './errors.ts';
import { VERSION } from './version.ts';
import type { Ui } from './ui.ts';

async function main(argv: string[]): Promise<number> {
  const env = process.env;
  // ui.ts pulls in clack and the init command: load it only once we know the command needs it (not for --help).
  const loadUi = () => import('./ui.ts');
  let ui: Ui | undefined;
  try {
    const options = parseOptions(argv, env);
    if (options.command === 'help') {
      process.stdout.write(helpText(VERSION));
      return 0;
    }
    if (options.command === 'version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const interactive =
      !options.json &&
      isInteractive({
        flag: options.interactive,
        yes: options.yes,
        stdinIsTTY: Boolean(process.stdin.isTTY),
        stdoutIsTTY: Boolean(process.stdout.isTTY),
        env,
      });
    if (options.interactive === true && !interactive && !options.json && !options.yes) {
      process.stderr.write(
        'warning --interactive needs a terminal (stdin and stdout must be TTYs); continuing without prompts\n',
      );
    }
    const { HumanUi, JsonUi } = await loadUi();
    ui = options.json ? new JsonUi() : new HumanUi(interactive);
    if (options.command === 'check') {
      const [{ runCheck }, { RUNTIME_SOURCE }] = await Promise.all([
        import('./commands/init.ts'),
        import('./runtime-source.ts'),
      ]);
      const r = runCheck({ options, env, cwd: process.cwd(), version: VERSION, runtimeSource: RUNTIME_SOURCE });
      if (options.json) process.stdout.write(JSON.stringify({ ok: r.ok, stale: r.stale }, null, 2) + '\n');
      else if (r.ok)
        process.stdout.write(
          `Up to date: everything create-neon-agents manages is present and current for ${VERSION}.\n`,
        );
      else {
        // Until the package is on the npm registry, `npm create` finds nothing: also name the copy that ran.
        const self = process.argv[1] ? ` (or, from this copy: \`node ${JSON.stringify(process.argv[1])} --yes\`)` : '';
        process.stdout.write(
          `Out of date for create-neon-agents ${VERSION} — run \`npm create neon-agents@latest -- --yes\`${self} to upgrade:\n`,
        );
        for (const f of r.stale) process.stdout.write(`  ${f.action.padEnd(8)} ${f.path}  (${f.reason})\n`);
      }
      return r.ok ? 0 : 1;
    }
    if (options.command === 'doctor') {
      const { runDoctor } = await import('./commands/doctor.ts');
      return await runDoctor({ options, env, cwd: process.cwd(), version: VERSION });
    }
    if (options.command === 'uninstall') {
      const { runUninstall } = await import('./commands/uninstall.ts');
      return await runUninstall({ options, env, cwd: process.cwd(), interactive });
    }
    // Lazy imports: --help and --version above load none of this (templates, clack, handlebars, the runtime text).
    const [{ runInit }, { createWizard }, { RUNTIME_SOURCE }] = await Promise.all([
      import('./commands/init.ts'),
      import('./prompts.ts'),
      import('./runtime-source.ts'),
    ]);
    const result = await runInit({
      options,
      env,
      cwd: process.cwd(),
      version: VERSION,
      interactive,
      ui,
      wizard: interactive ? createWizard({ env }) : null,
      // Agents and CI copy commands: name the fully non-interactive equivalent first (create-vite does the same).
      announceEquivalent: !interactive && !options.json && (isCI(env) || looksLikeAgent(env) || !process.stdout.isTTY),
      runtimeSource: RUNTIME_SOURCE,
    });
    ui.report(result);
    if (result.conflicts.length && interactive) {
      // Chosen in the wizard ("write conflict markers"): not a failure, but say what is left to do.
      ui.warn(`Resolve the conflict markers in ${result.conflicts.join(', ')} (search for <<<<<<<), then commit.`);
      return 0;
    }
    if (result.conflicts.length) {
      if (options.json) return 1; // the summary above already lists them (ok: false)
      ui.error(
        `Conflicts left with markers in ${result.conflicts.join(', ')}: resolve them (search for <<<<<<<), then commit. Everything else was written.`,
        1,
      );
      return 1;
    }
    return 0;
  } catch (e) {
    if (!ui) {
      const { HumanUi, JsonUi } = await loadUi();
      ui = argv.includes('--json') ? new JsonUi() : new HumanUi(false);
    }
    if (e instanceof CliError) {
      ui.error(e.message, e.exitCode);
      return e.exitCode;
    }
    if (e instanceof Error && e.name === 'ManifestError') {
      ui.error(e.message, 1); // a corrupt manifest: its own message names the fix (no stack)
      return 1;
    }
    ui.error(`unexpected: ${(e as Error)?.stack ?? String(e)}`, 1);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`${String(e)}\n`);
    process.exitCode = 1;
  },
);
