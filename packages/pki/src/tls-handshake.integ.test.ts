import type { AddressInfo } from 'node:net';
import { connect, createServer, type PeerCertificate, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleWithKeys, must, tempDir } from '../test/fixtures.js';
import { type Bundle, type Credential, createCa, issueCertificate, type KeyAlgorithm } from './index.js';

// Real TLS between a Node server and client on loopback, with the bundle's material: client-certificate auth
// (requestCert + rejectUnauthorized) on the server, hostname (IP SAN) verification on the client. With RSA keys,
// ECDSA P-256 keys, and P-256 leaves under an RSA CA (a bundle whose keyAlgorithm changed).

interface Outcome {
  /** What the server answered: `pong <client CN>` when the client was authorized. */
  readonly reply: string | undefined;
  readonly serverError: string | undefined;
  readonly clientError: string | undefined;
  /** The key of the certificate each side got from the other: `prime256v1` (the curve) or `rsa-<bits>`. */
  readonly serverKey: string | undefined;
  readonly clientKey: string | undefined;
}

function keyOf(cert: PeerCertificate | undefined): string | undefined {
  if (cert?.asn1Curve) return cert.asn1Curve;
  return cert?.bits ? `rsa-${cert.bits}` : undefined;
}

const open: Set<() => void> = new Set();
afterAll(() => {
  for (const close of open) close();
});

interface HandshakeOptions {
  /** The CA both sides trust (the client's `ca` unless `clientCa` overrides it). */
  ca: string;
  server: Credential;
  host: string;
  client?: Credential;
  clientCa?: string;
  /** false: accept any client but report `socket.authorizationError` (to see why an enforcing server refuses). */
  enforce?: boolean;
}

async function handshake(opts: HandshakeOptions): Promise<Outcome> {
  let serverError: string | undefined;
  let clientKey: string | undefined;
  const server = createServer(
    {
      key: opts.server.key.toPem(),
      cert: opts.server.certPem,
      ca: opts.ca,
      requestCert: true,
      rejectUnauthorized: opts.enforce ?? true,
    },
    (socket: TLSSocket) => {
      const peer = socket.getPeerCertificate();
      clientKey = keyOf(peer);
      const cn = peer.subject?.CN;
      const why = socket.authorized ? '' : ` error=${String(socket.authorizationError)}`;
      socket.once('data', () => socket.end(`pong ${String(cn)} authorized=${socket.authorized}${why}`));
    },
  );
  server.on('tlsClientError', (error) => {
    serverError = error.message;
  });
  await new Promise<void>((resolve) => server.listen(0, opts.host, resolve));
  const close = () => server.close();
  open.add(close);
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<Outcome>((resolve) => {
      let reply = '';
      let clientError: string | undefined;
      let serverKey: string | undefined;
      const socket = connect({
        host: opts.host,
        port,
        ca: opts.clientCa ?? opts.ca,
        ...(opts.client ? { key: opts.client.key.toPem(), cert: opts.client.certPem } : {}),
      });
      const timer = setTimeout(() => socket.destroy(new Error('timeout')), 10_000);
      socket.on('secureConnect', () => {
        serverKey = keyOf(socket.getPeerCertificate());
        socket.write('ping');
      });
      socket.on('data', (chunk) => {
        reply += chunk.toString();
      });
      socket.on('error', (error) => {
        clientError = error.message;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        // Give the server's tlsClientError a moment to land after the client saw the alert.
        setTimeout(
          () => resolve({ reply: reply || undefined, serverError, clientError, serverKey, clientKey }),
          50,
        );
      });
    });
  } finally {
    close();
    open.delete(close);
  }
}

const variants: { name: string; ca: KeyAlgorithm; leaves: KeyAlgorithm }[] = [
  { name: 'RSA', ca: 'rsa', leaves: 'rsa' },
  { name: 'ECDSA P-256', ca: 'ecdsa-p256', leaves: 'ecdsa-p256' },
  { name: 'ECDSA P-256 leaves under an RSA CA', ca: 'rsa', leaves: 'ecdsa-p256' },
];

for (const variant of variants) {
  describe(`TLS handshake with the bundle: ${variant.name}`, () => {
    let bundle: Bundle;
    let foreignClient: Credential;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const tmp = await tempDir();
      cleanup = tmp.cleanup;
      bundle = await bundleWithKeys(tmp.dir, variant.ca, variant.leaves);
      const foreignCa = await createCa({
        commonName: 'pgha main CA',
        organizationalUnit: 'main',
        validityDays: 30,
        keyAlgorithm: variant.ca,
      });
      foreignClient = await issueCertificate(foreignCa, {
        commonName: 'pg-1',
        organizationalUnit: 'main',
        extendedKeyUsage: ['clientAuth'],
        validityDays: 30,
        keyAlgorithm: variant.leaves,
      });
    });
    afterAll(async () => {
      await cleanup();
    });

    test('the bundle holds the keys of this variant', () => {
      expect(bundle.ca.key.algorithm).toBe(variant.ca);
      expect(must(bundle.etcd['etcd-1'], 'etcd-1').key.algorithm).toBe(variant.leaves);
      expect(foreignClient.key.algorithm).toBe(variant.leaves);
    });

    /** A handshake where both sides trust the bundle's CA. */
    const shake = (opts: Omit<HandshakeOptions, 'ca'>) => handshake({ ca: bundle.ca.certPem, ...opts });
    const etcd = (name: string) => must(bundle.etcd[name], name);
    const patroni = (name: string) => must(bundle.patroni[name], name);

    test('etcd member server + Patroni etcd client certificate: mutual auth succeeds', async () => {
      const outcome = await shake({
        server: etcd('etcd-1'),
        host: '127.0.10.1',
        client: patroni('pg-1').etcdClient,
      });
      const key = variant.leaves === 'rsa' ? 'rsa-2048' : 'prime256v1';
      expect(outcome).toEqual({
        reply: 'pong pg-1 authorized=true',
        serverError: undefined,
        clientError: undefined,
        serverKey: key,
        clientKey: key,
      });
    });

    test('etcd peer traffic: member cert as server and another member cert as client', async () => {
      const outcome = await shake({
        server: etcd('etcd-2'),
        host: '127.0.10.2',
        client: etcd('etcd-1'),
      });
      expect(outcome.reply).toBe('pong etcd-1 authorized=true');
    });

    test('the 127.0.0.1 SAN lets a client dial the member on 127.0.0.1', async () => {
      const outcome = await shake({
        server: etcd('etcd-1'),
        host: '127.0.0.1',
        client: must(bundle.clients.verify, 'v'),
      });
      expect(outcome.reply).toBe('pong verify authorized=true');
    });

    test('Patroni REST server; its own REST cert works as a client cert (clientAuth)', async () => {
      const outcome = await shake({
        server: patroni('pg-1').rest,
        host: '127.0.20.1',
        client: patroni('pg-2').rest,
      });
      expect(outcome.reply).toBe('pong pg-2 authorized=true');
    });

    test('a client certificate from another CA is refused', async () => {
      const outcome = await shake({
        server: etcd('etcd-1'),
        host: '127.0.10.1',
        client: foreignClient,
      });
      expect(outcome.reply).toBeUndefined();
      expect(outcome.serverError).toBeDefined(); // TLS 1.3: the server drops the connection after the handshake
      // Why: the same client against a server that only observes.
      const observed = await shake({
        server: etcd('etcd-1'),
        host: '127.0.10.1',
        client: foreignClient,
        enforce: false,
      });
      // The foreign CA has the same name as ours, so OpenSSL finds our CA by name and the signature check fails.
      expect(observed.reply).toBe('pong pg-1 authorized=false error=UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    test('no client certificate is refused', async () => {
      const outcome = await shake({ server: etcd('etcd-1'), host: '127.0.10.1' });
      expect(outcome.reply).toBeUndefined();
      expect(outcome.serverError).toMatch(/peer did not return a certificate/i);
    });

    test('a server-only certificate (PostgreSQL, no clientAuth) is refused as a client certificate', async () => {
      const outcome = await shake({
        server: etcd('etcd-1'),
        host: '127.0.10.1',
        client: patroni('pg-1').postgres,
      });
      expect(outcome.reply).toBeUndefined();
      expect(outcome.serverError).toBeDefined();
      const observed = await shake({
        server: etcd('etcd-1'),
        host: '127.0.10.1',
        client: patroni('pg-1').postgres,
        enforce: false,
      });
      expect(observed.reply).toBe('pong pg-1 authorized=false error=INVALID_PURPOSE');
    });

    test('the client refuses a server whose SANs do not include the dialled address', async () => {
      const outcome = await shake({
        server: patroni('pg-1').postgres,
        host: '127.0.10.1',
        client: etcd('etcd-1'),
      });
      expect(outcome.reply).toBeUndefined();
      expect(outcome.clientError).toMatch(
        /IP: 127\.0\.10\.1 is not in the cert's list: 127\.0\.20\.1, 127\.0\.30\.1/,
      );
    });

    test('the client refuses a server certificate from another CA', async () => {
      const outcome = await shake({
        server: etcd('etcd-1'),
        host: '127.0.10.1',
        client: patroni('pg-1').etcdClient,
        clientCa: (await createCa({ commonName: 'other', validityDays: 1, keyAlgorithm: variant.ca }))
          .certPem,
      });
      expect(outcome.reply).toBeUndefined();
      // The server sends its chain including the (foreign) self-signed CA.
      expect(outcome.clientError).toMatch(
        /self-signed certificate in certificate chain|unable to get local issuer/i,
      );
    });
  });
}
