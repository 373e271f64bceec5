// Where the database variables and the env file came from, as lines for people (the wizard, and the plain output).
import type { ProjectInfo } from '../detect/project.ts';
import type { ManifestAnswers } from '../shared/manifest.ts';

/** Where the database variables and the env file came from, one line each (flags and recorded answers say so). */
export function detectionLines(
  project: ProjectInfo,
  a: Pick<ManifestAnswers, 'databaseUrlVar' | 'directUrlVar' | 'envFile'>,
): string[] {
  const why = (
    name: string | null,
    detectedName: string | null | undefined,
    from: string | null | undefined,
    fallback: string,
  ) => (name === (detectedName ?? null) ? (from ?? fallback) : 'chosen');
  const lines = [
    `Database URL variable: ${a.databaseUrlVar} (${why(a.databaseUrlVar, project.databaseUrlVar ?? 'DATABASE_URL', project.databaseUrlFrom, 'the default; nothing in the app names another')})`,
    `Direct URL variable: ${a.directUrlVar ?? 'none'} (${why(a.directUrlVar, project.directUrlVar, project.directUrlFrom, a.directUrlVar ? 'chosen' : 'the app names none')})`,
    `Env file: ${a.envFile} (${a.envFile === project.envFile ? project.envFileReason : 'given'})`,
  ];
  return lines;
}
