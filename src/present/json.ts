// The --json documents of doctor, --check and uninstall (schema/*.schema.json), and the error document every
// command prints on failure. One document on stdout, nothing else.
import type { DoctorReport } from '../commands/doctor.ts';
import type { CheckResult } from '../commands/check.ts';
import type { UninstallResult } from '../commands/uninstall.ts';

const doc = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const doctorJson = (r: DoctorReport) =>
  doc({ ok: r.problems === 0, problems: r.problems, warnings: r.warnings, findings: r.findings });

export const checkJson = (r: CheckResult) => doc({ ok: r.ok, stale: r.stale });

export const uninstallJson = (r: UninstallResult) =>
  doc({
    ok: true,
    files: r.ops.map((o) => ({ path: o.display, action: o.action, reason: o.reason })),
    changed: r.written,
    notes: r.notes,
  });

export const errorJson = (message: string, exitCode: number, warnings: string[] = []) =>
  doc({ ok: false, exitCode, error: message, warnings });
