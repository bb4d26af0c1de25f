import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Secret } from '@pgha/clients';
import { VerifyError } from '../errors.js';
import type { Manifest, PostgresTlsMode } from '../manifest.js';
import type { TlsClient } from './probe-failure.js';

/** A certificate file named in the manifest, parsed. */
export interface NamedCertificates {
  readonly field: string;
  readonly path: string;
  readonly certs: readonly X509Certificate[];
}

/** Everything the checks need from disk, read and validated once per run. */
export interface Materials {
  readonly etcdTls: TlsClient;
  readonly patroniTls: TlsClient;
  readonly pgTls: TlsClient & { readonly mode: PostgresTlsMode };
  readonly password: Secret;
  /** Certificates named by the manifest's fields (CA files and client certificates). */
  readonly named: readonly NamedCertificates[];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits a PEM file into its certificates; throws when there is none or one does not parse. */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate in it');
  return blocks.map((b) => new X509Certificate(b));
}

/**
 * Reads the CA/cert/key and password files named by the manifest. Throws one `MATERIAL_UNREADABLE`
 * {@link VerifyError} naming every bad field, its path and the reason; never includes file contents.
 */
export async function loadMaterials(m: Manifest): Promise<Materials> {
  const problems: { field: string; text: string }[] = [];
  const cache = new Map<string, Promise<Buffer | Error>>();
  const read = (p: string) => {
    let r = cache.get(p);
    if (!r) {
      r = readFile(p).catch((e: NodeJS.ErrnoException) => e);
      cache.set(p, r);
    }
    return r;
  };
  const named: NamedCertificates[] = [];

  const certFile = async (field: string, path: string): Promise<Buffer | undefined> => {
    const buf = await read(path);
    if (buf instanceof Error) {
      problems.push({ field, text: `cannot read ${path}: ${reason(buf)}` });
      return undefined;
    }
    try {
      named.push({ field, path, certs: parseCertificates(buf.toString('utf8')) });
      return buf;
    } catch (e) {
      problems.push({ field, text: `${path} is not a PEM certificate: ${(e as Error).message}` });
      return undefined;
    }
  };
  const keyFile = async (
    field: string,
    path: string,
  ): Promise<{ buf: Buffer; key: KeyObject } | undefined> => {
    const buf = await read(path);
    if (buf instanceof Error) {
      problems.push({ field, text: `cannot read ${path}: ${reason(buf)}` });
      return undefined;
    }
    try {
      return { buf, key: createPrivateKey(buf) };
    } catch {
      problems.push({ field, text: `${path} is not a PEM private key (or it is encrypted)` });
      return undefined;
    }
  };
  const matches = (certField: string, keyField: string, cert: Buffer | undefined, key?: KeyObject) => {
    if (!cert || !key) return;
    const leaf = parseCertificates(cert.toString('utf8'))[0];
    if (leaf && !leaf.checkPrivateKey(key)) {
      problems.push({
        field: keyField,
        text: `is not the private key of ${certField}; give the matching pair`,
      });
    }
  };

  const { etcd, patroni, postgres } = m;
  const [etcdCa, etcdCert, etcdKey, patCa, pgCa, pw] = await Promise.all([
    certFile('etcd.tls.ca', etcd.tls.ca),
    certFile('etcd.tls.cert', etcd.tls.cert),
    keyFile('etcd.tls.key', etcd.tls.key),
    patroni.ca ? certFile('patroni.ca', patroni.ca) : undefined,
    postgres.sslRootCert ? certFile('postgres.sslRootCert', postgres.sslRootCert) : undefined,
    read(postgres.passwordFile),
  ]);
  matches('etcd.tls.cert', 'etcd.tls.key', etcdCert, etcdKey?.key);

  let password: Secret | undefined;
  if (pw instanceof Error) {
    problems.push({
      field: 'postgres.passwordFile',
      text: `cannot read ${postgres.passwordFile}: ${reason(pw)}`,
    });
  } else {
    const value = pw.toString('utf8').split(/\r?\n/)[0] ?? '';
    if (value === '')
      problems.push({ field: 'postgres.passwordFile', text: `${postgres.passwordFile} is empty` });
    else password = new Secret(value);
  }

  if (problems.length > 0 || !etcdCa || !etcdCert || !etcdKey || !password) {
    const lines = problems.map((p) => `  ${p.field}: ${p.text}`);
    throw new VerifyError(
      'MATERIAL_UNREADABLE',
      `${problems.length === 1 ? 'a file' : `${problems.length} files`} named by the manifest cannot be used:\n` +
        lines.join('\n'),
      { fields: problems.map((p) => p.field) },
    );
  }

  const pem = (b: Buffer) => b.toString('utf8');
  return {
    etcdTls: {
      ca: pem(etcdCa),
      caField: 'etcd.tls.ca',
      caPath: etcd.tls.ca,
      cert: pem(etcdCert),
      key: pem(etcdKey.buf),
      certField: 'etcd.tls.cert',
      certPath: etcd.tls.cert,
    },
    patroniTls: {
      ca: pem(patCa ?? etcdCa),
      caField: patroni.ca ? 'patroni.ca' : 'etcd.tls.ca',
      caPath: patroni.ca ?? etcd.tls.ca,
    },
    pgTls: {
      ca: pem(pgCa ?? etcdCa),
      caField: postgres.sslRootCert ? 'postgres.sslRootCert' : 'etcd.tls.ca',
      caPath: postgres.sslRootCert ?? etcd.tls.ca,
      mode: postgres.sslMode ?? 'verify-full',
    },
    password,
    named,
  };
}

function reason(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'no such file (was the cluster deployed from here? is the path in the manifest right?)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (run verify as the user that deployed, or fix the file mode)';
    case 'EISDIR':
      return 'it is a directory, not a file';
    default:
      return e.code ?? e.message;
  }
}
