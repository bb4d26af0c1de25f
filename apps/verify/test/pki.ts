// Test fixtures: a real CA and certificates made with the openssl CLI (an independent tool), in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  /** Creates `<name>.crt`/`<name>.key` signed by `ca`; returns their paths. */
  cert(
    name: string,
    opts: { ca?: string; san?: string; days?: number; eku?: string },
  ): { crt: string; key: string };
  /** Creates a self-signed CA `<name>.crt`/`<name>.key`. */
  ca(name: string, days?: number): { crt: string; key: string };
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

export function makePki(dir = mkdtempSync(join(tmpdir(), 'pgha-verify-pki-'))): TestPki {
  return {
    dir,
    ca(name, days = 365) {
      openssl(
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.crt`,
          '-days',
          String(days),
          '-subj',
          `/CN=${basename(name)}`,
        ]),
        dir,
      );
      return { crt: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    },
    cert(name, { ca = 'ca', san = 'IP:127.0.0.1', days = 365, eku = 'serverAuth,clientAuth' }) {
      openssl(
        ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.csr`,
          '-subj',
          `/CN=${basename(name)}`,
        ]),
        dir,
      );
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${eku}\n`);
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          `${ca}.crt`,
          '-CAkey',
          `${ca}.key`,
          '-CAcreateserial',
        ].concat(['-out', `${name}.crt`, '-days', String(days), '-extfile', `${name}.ext`]),
        dir,
      );
      return { crt: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    },
  };
}
