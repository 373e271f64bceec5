// What a package script brings with it: env files it loads (`dotenv -e ../../.env --`, `env-cmd -f`,
// `node --env-file=`) and secret managers that inject their own values (`doppler run --`, `infisical run --`,
// `op run --`). Both decide whether an agent's command really reads its worktree's env file.
import path from 'node:path';

export type WrapperTool =
  | 'doppler'
  | 'infisical'
  | '1password'
  | 'vercel'
  | 'dotenvx'
  | 'dotenv-cli'
  | 'env-cmd'
  | 'node --env-file';

export interface ScriptEnv {
  /** The tool that wraps the command, when one does. */
  tool: WrapperTool | null;
  /** A secret manager: it supplies its own values (e.g. the shared DATABASE_URL), whatever the env file says. */
  secret: boolean;
  /** Env files the script loads (absolute), for file loaders. */
  files: string[];
  /** The wrapper as written, e.g. `dotenv -e ../../.env --`. */
  snippet: string | null;
  /** The command after the wrapper (`drizzle-kit push`), when it can be told apart. */
  rest: string | null;
}

const SECRET_TOOLS: [RegExp, WrapperTool][] = [
  [/\bdoppler\s+run\b(?:\s+(?!--(?:\s|$))\S+)*\s*(?:--\s+|$)/, 'doppler'],
  [/\binfisical\s+run\b(?:\s+(?!--(?:\s|$))\S+)*\s*(?:--\s+|$)/, 'infisical'],
  [/\bop\s+run\b(?:\s+(?!--(?:\s|$))\S+)*\s*(?:--\s+|$)/, '1password'],
  [/\bvercel\s+env\s+run\b(?:\s+(?!--(?:\s|$))\S+)*\s*(?:--\s+|$)/, 'vercel'],
];

/** The first command of a `a && b` chain that holds the wrapper, and what follows the wrapper in it. */
function after(body: string, m: RegExpExecArray): string | null {
  const rest = body
    .slice(m.index + m[0].length)
    .split(/\s*(?:&&|\|\||;)\s*/)[0]
    ?.trim();
  return rest || null;
}

/** What a script's command does with env files and secrets. `pkgDir` is where it runs (absolute). */
export function scriptEnv(body: string, pkgDir: string): ScriptEnv {
  for (const [re, tool] of SECRET_TOOLS) {
    const m = re.exec(body);
    if (m) return { tool, secret: true, files: [], snippet: m[0].trim(), rest: after(body, m) };
  }
  // dotenvx run -f a -f b --   (default .env)
  let m = /\bdotenvx\s+run\b((?:\s+(?!--(?:\s|$))\S+)*)\s*(?:--\s+|$)/.exec(body);
  if (m) {
    const files = [...m[1].matchAll(/(?:-f|--env-file)(?:\s+|=)(\S+)/g)].map((x) => unquote(x[1]));
    return {
      tool: 'dotenvx',
      secret: false,
      files: (files.length ? files : ['.env']).map((f) => path.resolve(pkgDir, f)),
      snippet: m[0].trim(),
      rest: after(body, m),
    };
  }
  // dotenv-cli: dotenv [-e file]... [-c [env]] [-o] --   (default .env; -c adds .env.local and .env.<env>(.local))
  m =
    /(?:^|[\s;&|(])(dotenv(?:-cli)?)((?:\s+-(?:e|c|v|p|o|-override|-debug|-quiet)\b(?:\s+(?!-)\S+)?)*)\s*--(?:\s+|$)/.exec(
      body,
    );
  if (m && !/dotenv\//.test(m[1])) {
    const args = m[2];
    const files = [...args.matchAll(/-e\s+(\S+)/g)].map((x) => unquote(x[1]));
    const cascade = /-c\b(?:\s+(?!-)(\S+))?/.exec(args);
    const base = files.length ? files : ['.env'];
    const all = cascade
      ? [...(cascade[1] ? [`.env.${cascade[1]}.local`, `.env.${cascade[1]}`] : []), '.env.local', ...base]
      : base;
    const start = m.index + m[0].indexOf(m[1]);
    return {
      tool: 'dotenv-cli',
      secret: false,
      files: all.map((f) => path.resolve(pkgDir, f)),
      snippet: body.slice(start, m.index + m[0].length).trim(),
      rest: after(body, m),
    };
  }
  // env-cmd -f file | --file file   (default .env)
  m =
    /\benv-cmd\b((?:\s+-(?:f|-file|r|-rc-file|e|-environments|-fallback|-no-override|-silent|-use-shell|-verbose)\b(?:[\s=]+(?!-)\S+)?)*)/.exec(
      body,
    );
  if (m) {
    const f = /(?:-f|--file)[\s=]+(\S+)/.exec(m[1]);
    return {
      tool: 'env-cmd',
      secret: false,
      files: [path.resolve(pkgDir, f ? unquote(f[1]) : '.env')],
      snippet: m[0].trim(),
      rest: after(body, m),
    };
  }
  // node/tsx/bun --env-file=path (several allowed; -if-exists too)
  const envFiles = [...body.matchAll(/--env-file(?:-if-exists)?(?:=|\s+)(\S+)/g)];
  if (envFiles.length) {
    return {
      tool: 'node --env-file',
      secret: false,
      files: envFiles.map((x) => path.resolve(pkgDir, unquote(x[1]))),
      snippet: envFiles.map((x) => x[0]).join(' '),
      rest: null,
    };
  }
  return { tool: null, secret: false, files: [], snippet: null, rest: null };
}

function unquote(s: string): string {
  return s.replace(/^['"]|['"]$/g, '');
}

/**
 * A script's body with local wrapper scripts spelled out: `pnpm with-env drizzle-kit push` where
 * `"with-env": "dotenv -e ../../.env --"` becomes `dotenv -e ../../.env -- drizzle-kit push`.
 */
export function expandScript(scripts: Record<string, string>, name: string): string | null {
  const body = scripts[name];
  if (body === undefined) return null;
  return body.replace(
    /\b(?:pnpm|yarn|npm run|bun run|bun)\s+(?:run\s+)?(?:-s\s+|--silent\s+)?([\w:.-]+)(?=\s|$)/g,
    (all, ref: string) => {
      const inner = scripts[ref];
      if (inner === undefined || ref === name || !/(?:--|\brun)\s*$/.test(inner.trim())) return all;
      return inner.trim();
    },
  );
}
