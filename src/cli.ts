// Entry point: parse, decide interactivity once, run the command, map every outcome to the exit-code contract
// (0 ok, 1 failure, 2 usage or missing input, 130 cancelled).
import { parseOptions, helpText } from './options.ts';
import { isInteractive, isCI, looksLikeAgent } from './interactive.ts';
import { CancelledError, CliError, UsageError } from './errors.ts';
import { VERSION } from './version.ts';
import type { Ui } from './ui.ts';

const out = (text: string) => process.stdout.write(text);

async function main(argv: string[]): Promise<number> {
  const env = process.env;
  // The Ui (clack, the init report) is loaded only for a run: doctor, --check and uninstall render their results
  // with src/present/, which loads no prompts and no templates (--help and --version load none of this).
  const loadUi = () => import('./ui.ts');
  let ui: Ui | undefined;
  let json = argv.includes('--json');
  try {
    const options = parseOptions(argv, env);
    json = options.json;
    if (options.command === 'help') {
      out(helpText(VERSION));
      return 0;
    }
    if (options.command === 'version') {
      out(`${VERSION}\n`);
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
    const context = { options, env, cwd: process.cwd(), version: VERSION };
    if (options.command === 'check') {
      const [{ runCheck }, { RUNTIME_SOURCE }, human, machine] = await Promise.all([
        import('./commands/check.ts'),
        import('./runtime-source.ts'),
        import('./present/human.ts'),
        import('./present/json.ts'),
      ]);
      const result = runCheck({ ...context, runtimeSource: RUNTIME_SOURCE });
      out(json ? machine.checkJson(result) : human.checkText(result, VERSION, process.argv[1]));
      return result.ok ? 0 : 1;
    }
    if (options.command === 'doctor') {
      const [{ doctor }, human, machine] = await Promise.all([
        import('./commands/doctor.ts'),
        import('./present/human.ts'),
        import('./present/json.ts'),
      ]);
      const report = await doctor(context);
      out(json ? machine.doctorJson(report) : human.doctorText(report));
      return report.problems ? 1 : 0;
    }
    if (options.command === 'uninstall') {
      const [{ prepareUninstall, applyUninstall }, human, machine] = await Promise.all([
        import('./commands/uninstall.ts'),
        import('./present/human.ts'),
        import('./present/json.ts'),
      ]);
      const plan = prepareUninstall({ ...context, interactive });
      if (!json) out(human.uninstallPlanText(plan, options.dryRun));
      if (options.dryRun) {
        if (json) out(machine.uninstallJson({ ...plan, written: [] }));
        return 0;
      }
      if (interactive) {
        const prompts = await import('@clack/prompts');
        const yes = await prompts.confirm({ message: 'Remove these?', initialValue: false });
        if (prompts.isCancel(yes) || !yes) throw new CancelledError('Cancelled: nothing was removed');
      } else if (!options.yes) {
        throw new UsageError('uninstall changes files: re-run with --yes to confirm (or --dry-run to see the plan)');
      }
      const result = applyUninstall(plan);
      out(json ? machine.uninstallJson(result) : human.uninstallDoneText(result));
      return 0;
    }
    const [{ HumanUi, JsonUi }, { runInit }, { createWizard }, { RUNTIME_SOURCE }] = await Promise.all([
      loadUi(),
      import('./commands/init.ts'),
      import('./prompts.ts'),
      import('./runtime-source.ts'),
    ]);
    ui = options.json ? new JsonUi() : new HumanUi(interactive);
    const result = await runInit({
      ...context,
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
      ui.warn(
        `Resolve the conflict markers in ${result.conflicts.join(', ')} (search for <<<<<<<; git status lists them as both modified, and git mergetool works), then git add and commit.`,
      );
      return 0;
    }
    if (result.conflicts.length) {
      if (options.json) return 1; // the summary above already lists them (ok: false)
      ui.error(
        `Conflicts left with markers in ${result.conflicts.join(', ')}: resolve them (search for <<<<<<<; git status lists them as both modified, and git mergetool works), then git add and commit. Everything else was written.`,
        1,
      );
      return 1;
    }
    return 0;
  } catch (e) {
    // A corrupt manifest's own message names the fix; anything unexpected keeps its stack.
    const known = e instanceof CliError ? e : e instanceof Error && e.name === 'ManifestError' ? e : null;
    const exitCode = e instanceof CliError ? e.exitCode : 1;
    const message = known ? known.message : `unexpected: ${(e as Error)?.stack ?? String(e)}`;
    if (ui) ui.error(message, exitCode);
    else {
      const present = json ? await import('./present/json.ts') : null;
      if (present) out(present.errorJson(message, exitCode));
      else process.stderr.write((await import('./present/human.ts')).errorText(message, exitCode));
    }
    return exitCode;
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
