// Where the Neon API key will be once a plan is applied: the one decision behind three units (the user
// credentials file, the env file, and the deny rules in .claude/settings.local.json), made from the snapshot alone.
// A key given this run (flag, NEON_API_KEY, the wizard) goes where keyStore says; a key already kept in the other
// place moves there; a different key in the other place is never deleted (it is a secret the user may still need),
// only reported, since the runtime would use the user file's first.
import path from 'node:path';
import { parseEnv } from '../shared/env-file.ts';
import { parseUserCredentials, USER_CREDENTIALS_DISPLAY } from '../shared/key-store.ts';
import type { PlanInput } from './engine.ts';

export interface KeyLocation {
  /** The user credentials file: its text now, and the key it holds for this project now and after the plan. */
  userFile: { abs: string; text: string | null; now: string | null; after: string | null; unreadable: string | null };
  /** The main checkout's env file: its NEON_API_KEY now and after the plan. */
  envFile: { abs: string; now: string | null; after: string | null };
  warnings: string[];
}

export function keyLocation(input: PlanInput): KeyLocation {
  const { answers } = input;
  const userAbs = input.userCredentialsFile;
  const userText = input.files.read(userAbs);
  let userNow: string | null = null;
  let unreadable: string | null = null;
  try {
    if (userText !== null)
      userNow = parseUserCredentials(userText, userAbs).projects[answers.projectId]?.apiKey ?? null;
  } catch (e) {
    unreadable = (e as Error).message;
  }
  const envAbs = path.join(input.repo.mainRoot, answers.envFile);
  const envNow = parseEnv(input.files.read(envAbs) ?? '').get('NEON_API_KEY') || null;
  const given = input.apiKey ?? null;
  const warnings: string[] = [];
  let userAfter = userNow;
  let envAfter = envNow;
  if (answers.keyStore === 'user') {
    userAfter = given ?? userNow ?? envNow;
    if (envNow !== null && envNow === userAfter)
      envAfter = null; // a copy: moved
    else if (envNow !== null)
      warnings.push(
        `${answers.envFile} holds another NEON_API_KEY than ${USER_CREDENTIALS_DISPLAY} does for ${answers.projectId}; the runtime uses the latter. Delete the line from ${answers.envFile} once you no longer need that key.`,
      );
  } else {
    envAfter = given ?? envNow ?? userNow;
    if (userNow !== null && userNow === envAfter) userAfter = null;
    else if (userNow !== null)
      warnings.push(
        `${USER_CREDENTIALS_DISPLAY} holds another key for ${answers.projectId} than ${answers.envFile}, and the runtime uses it first: delete that entry, or keep the key there with --key-store user.`,
      );
  }
  return {
    userFile: { abs: userAbs, text: userText, now: userNow, after: userAfter, unreadable },
    envFile: { abs: envAbs, now: envNow, after: envAfter },
    warnings,
  };
}
