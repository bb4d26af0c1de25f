import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/** A fresh temporary directory, removed after the test that made it (or after the file, when made outside a test). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pgha-userdata-${prefix}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    afterAll(remove);
  }
  return dir;
}

/** Run a program; return its exit status and output (never throws on a non-zero exit). */
export function run(
  cmd: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? process.env,
    cwd: options.cwd,
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A throwaway CA (EC P-256) made by the real openssl, and a function to issue certificates from it. */
export function makeCa(dir: string): {
  caFile: string;
  issue: (name: string, ips: readonly string[]) => { certFile: string; keyFile: string };
} {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey], {
    stdio: 'pipe',
  });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-out',
      caFile,
      '-days',
      '2',
      '-subj',
      '/CN=pgha-userdata-test-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { stdio: 'pipe' },
  );
  const issue = (name: string, ips: readonly string[]) => {
    const keyFile = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    const certFile = join(dir, `${name}.crt`);
    const ext = join(dir, `${name}.ext`);
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile], {
      stdio: 'pipe',
    });
    execFileSync('openssl', ['req', '-new', '-key', keyFile, '-out', csr, '-subj', `/CN=${name}`], {
      stdio: 'pipe',
    });
    writeFileSync(
      ext,
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}\n`,
    );
    execFileSync(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        caFile,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-out',
        certFile,
        '-days',
        '2',
        '-extfile',
        ext,
      ],
      { stdio: 'pipe' },
    );
    return { certFile, keyFile };
  };
  return { caFile, issue };
}
