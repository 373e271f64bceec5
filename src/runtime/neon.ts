// URIs derived without asking Neon (a fallback). Finding the Neon CLI, which the runtime starts only to refresh an
// expired CLI login (config.ts), is src/shared/neon-cli.ts; every API call goes through neon-api.ts.

/**
 * Fallback only (an env file we wrote earlier names one form and the other is needed without asking Neon): pooled
 * and direct URIs from one URI. The pooled one is the CLI's own rule, host.replace(endpointId,
 * endpointId + '-pooler'), applied to the part after the credentials; the endpoint id defaults to the first
 * `ep-…` id in the URI (real hosts start with it; the local emulator carries it in `options=endpoint%3D…`).
 */
export function pooledAndDirect(
  uri: string,
  endpointId: string | null,
): { direct: string; pooled: string; endpointId: string } {
  const at = uri.indexOf('@', uri.indexOf('://') + 3);
  const head = uri.slice(0, at + 1);
  let tail = uri.slice(at + 1);
  let ep =
    endpointId && tail.includes(endpointId)
      ? endpointId
      : /ep-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+/.exec(tail.replace(/-pooler/g, ''))?.[0];
  if (!ep) ep = tail.split(/[.:/?]/)[0]!.replace(/-pooler$/, '');
  tail = tail.replace(`${ep}-pooler`, ep);
  if (!/[?&]sslmode=/.test(tail)) tail += `${tail.includes('?') ? '&' : '?'}sslmode=require`;
  return { direct: head + tail, pooled: head + tail.replace(ep, `${ep}-pooler`), endpointId: ep };
}
