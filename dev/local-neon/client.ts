// node-postgres settings for a connection string the (local) Neon prints. Built field by field because pg lets a
// connection string's `sslmode` override an explicit `ssl` object, and the local Neon's CA must be trusted.
import type pg from 'pg';

export function pgClientConfig(url: string, ca?: string | Buffer): pg.ClientConfig {
  const u = new URL(url);
  const options = u.searchParams.get('options');
  return {
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    host: u.hostname,
    port: Number(u.port || 5432),
    database: decodeURIComponent(u.pathname.slice(1)),
    ...(options ? { options } : {}),
    ...(ca ? { ssl: { ca }, enableChannelBinding: true } : {}),
  };
}
