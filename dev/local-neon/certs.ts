import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificates {
  /** PEM file of the emulator's private CA: give it to clients (NODE_EXTRA_CA_CERTS, pg `ssl.ca`, libpq `sslrootcert`). */
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * A throw-away CA and a server certificate for 127.0.0.1 / localhost, made with the `openssl` CLI (EC P-256, so it
 * takes ~30 ms). Both the proxy and PostgreSQL present the same server certificate, which is what keeps SCRAM channel
 * binding (tls-server-end-point hashes the server certificate) valid through the proxy.
 */
export async function generateCertificates(dir: string): Promise<Certificates> {
  const caKey = path.join(dir, 'ca.key');
  const caFile = path.join(dir, 'ca.pem');
  const keyFile = path.join(dir, 'server.key');
  const csrFile = path.join(dir, 'server.csr');
  const certFile = path.join(dir, 'server.pem');
  const extFile = path.join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      caKey,
      '-out',
      caFile,
      '-days',
      '30',
      '-subj',
      '/CN=local-neon test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', ['req', ...ec, '-keyout', keyFile, '-out', csrFile, '-subj', '/CN=localhost']);
    await writeFile(
      extFile,
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:*.localhost\nbasicConstraints=CA:FALSE\n' +
        'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csrFile,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-out',
      certFile,
      '-days',
      '30',
      '-sha256',
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-extfile',
      extFile,
    ]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('local-neon needs the `openssl` command to make its TLS certificates (apt-get install openssl)');
    }
    throw new Error(`openssl failed: ${e.stderr ?? e.message}`);
  }
  const [ca, cert, key] = await Promise.all([readFile(caFile), readFile(certFile), readFile(keyFile)]);
  return { caFile, certFile, keyFile, ca, cert, key };
}
