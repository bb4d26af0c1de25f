#!/usr/bin/env node
// What EC2 gives an instance, for a pgha rehearsal; a plain ES module run as its own process (`node
// vpc-services.mjs MODE CONFIG`), so that it runs as it is from src/ (tests) and from dist/ alike.
//
//   bridge CONFIG  in the host's network namespace: a unix socket on the shared filesystem, forwarded to the
//                  emulator on 127.0.0.1. The only way from the VPC to the emulator; the host gets no
//                  private address.
//   vpc CONFIG     inside the VPC namespace (`ip netns exec`): the emulator at a VPC address (through the
//                  unix socket), IMDSv2 at 169.254.169.254 (each instance known by its source address), a DNS
//                  resolver that answers the emulator's Route 53 zones and load balancer names and refuses
//                  everything else (no forwarding), and the package repository over HTTP.
//
// CONFIG is JSON written by the rehearsal (see vpc.ts, VpcServicesConfig). Every request is logged to stdout
// (one line each, no secrets: the credentials it serves are the emulator's dummy ones).
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { basename, join } from 'node:path';

const [mode, configFile] = process.argv.slice(2);
if ((mode !== 'bridge' && mode !== 'vpc') || !configFile) {
  process.stderr.write('usage: vpc-services.mjs bridge|vpc CONFIG\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const log = (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function pipe(a, b) {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

function listening(server, what) {
  server.on('error', (error) => {
    log(`${what}: ${error.message}`);
    process.exit(1);
  });
  server.on('listening', () => log(`${what}: listening`));
}

if (mode === 'bridge') {
  const { socketPath, upstreamPort } = config;
  const server = createServer((client) => pipe(client, connect(upstreamPort, '127.0.0.1')));
  listening(server, `bridge ${socketPath} -> 127.0.0.1:${upstreamPort}`);
  server.listen(socketPath);
} else {
  vpc();
}

/** A request to the emulator through the unix socket; moto reads the service from the credential scope. */
function emulator(method, path, service, region) {
  const auth = `AWS4-HMAC-SHA256 Credential=rehearsal-dummy/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { socketPath: config.socketPath, method, path, headers: { authorization: auth }, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

const tags = (xml, tag) =>
  [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
const tag = (xml, name) => tags(xml, name)[0];

function vpc() {
  // The emulator at a VPC address: what the instances' AWS CLI is pointed at.
  const api = createServer((client) => pipe(client, connect(config.socketPath)));
  listening(api, `emulator ${config.emulatorAddress}:${config.emulatorPort}`);
  api.listen(config.emulatorPort, config.emulatorAddress);
  imds();
  dns();
  mirror();
}

// ---- IMDSv2 ---------------------------------------------------------------------------------------------

function imds() {
  const tokens = new Map();
  let byIp = new Map(config.instances.map((i) => [i.privateIp, i]));
  // An instance launched after the start (an Auto Scaling group's replacement) is added to the config file
  // by the rehearsal: an unknown address reads it again.
  const instanceAt = (ip) => {
    if (!byIp.has(ip)) {
      try {
        byIp = new Map(JSON.parse(readFileSync(configFile, 'utf8')).instances.map((i) => [i.privateIp, i]));
      } catch (error) {
        log(`imds: cannot read ${configFile} again: ${error.message}`);
      }
    }
    return byIp.get(ip);
  };
  const server = createHttpServer((req, res) => {
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const instance = instanceAt(ip);
    const url = new URL(req.url ?? '/', 'http://169.254.169.254');
    const reply = (status, body, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type, server: 'EC2ws' });
      res.end(body);
      log(`imds ${ip} ${instance?.name ?? '-'} ${req.method} ${url.pathname} ${status}`);
    };
    if (instance === undefined) return reply(403, 'not an instance of this rehearsal\n');
    if (req.method === 'PUT' && url.pathname === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return reply(400, 'bad ttl\n');
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { ip, expires: Date.now() + ttl * 1000 });
      res.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
      return reply(200, token);
    }
    // IMDSv2 only (the launch templates require it): no token, no answer.
    const token = tokens.get(String(req.headers['x-aws-ec2-metadata-token'] ?? ''));
    if (token === undefined || token.ip !== ip || token.expires < Date.now()) return reply(401, '');
    if (req.method !== 'GET') return reply(405, '');
    const m = /^\/(latest|[0-9-]+)(\/.*)?$/.exec(url.pathname);
    if (m === null) return reply(404, '');
    const rest = (m[2] ?? '/').replace(/\/+$/, '') || '/';
    const tree = metadata(instance);
    if (rest === '/') return reply(200, 'dynamic\nmeta-data\nuser-data');
    if (rest === '/user-data') {
      try {
        return reply(200, readFileSync(instance.userDataFile), 'application/octet-stream');
      } catch {
        return reply(404, '');
      }
    }
    const node = lookup(tree, rest.slice(1).split('/'));
    if (node === undefined) return reply(404, '');
    if (typeof node === 'string') {
      return reply(200, node, node.startsWith('{') ? 'application/json' : 'text/plain');
    }
    return reply(
      200,
      Object.entries(node)
        .map(([k, v]) => (typeof v === 'string' ? k : `${k}/`))
        .join('\n'),
    );
  });
  listening(server, 'imds 169.254.169.254:80');
  server.listen(80, '169.254.169.254');
}

function lookup(tree, parts) {
  let node = tree;
  for (const p of parts) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = node[p];
  }
  return node;
}

function metadata(i) {
  const now = new Date();
  const credentials = JSON.stringify({
    Code: 'Success',
    LastUpdated: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    Type: 'AWS-HMAC',
    AccessKeyId: 'rehearsal-dummy',
    SecretAccessKey: 'rehearsal-dummy',
    Token: 'rehearsal-dummy',
    Expiration: new Date(now.getTime() + 6 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  const hostname = `ip-${i.privateIp.replaceAll('.', '-')}.${config.region}.compute.internal`;
  const identity = JSON.stringify({
    accountId: config.accountId,
    architecture: 'x86_64',
    availabilityZone: i.availabilityZone,
    imageId: i.imageId,
    instanceId: i.instanceId,
    instanceType: i.instanceType,
    privateIp: i.privateIp,
    region: config.region,
    version: '2017-09-30',
  });
  return {
    'meta-data': {
      'ami-id': i.imageId,
      'instance-id': i.instanceId,
      'instance-type': i.instanceType,
      'local-ipv4': i.privateIp,
      'local-hostname': hostname,
      hostname,
      mac: i.mac,
      placement: { 'availability-zone': i.availabilityZone, region: config.region },
      iam: {
        info: JSON.stringify({ Code: 'Success', InstanceProfileArn: i.instanceProfileArn ?? '' }),
        'security-credentials': i.roleName ? { [i.roleName]: credentials } : {},
      },
      network: {
        interfaces: {
          macs: {
            [i.mac]: {
              'device-number': '0',
              'local-ipv4s': i.privateIp,
              'subnet-id': i.subnetId,
              'vpc-id': config.vpcId,
              'vpc-ipv4-cidr-block': config.vpcCidr,
            },
          },
        },
      },
    },
    dynamic: { 'instance-identity': { document: identity } },
  };
}

// ---- DNS: the emulator's Route 53 zones and load balancer names, nothing else ----------------------------

let records = { at: 0, list: [] };

/** Every record set of every hosted zone in the emulator, read at most once a second. */
async function recordSets() {
  if (Date.now() - records.at < 1000) return records.list;
  const list = [];
  const zones = await emulator('GET', '/2013-04-01/hostedzone', 'route53', 'us-east-1');
  for (const id of tags(zones, 'Id')) {
    const sets = await emulator('GET', `/2013-04-01${id}/rrset`, 'route53', 'us-east-1');
    for (const set of tags(sets, 'ResourceRecordSet')) {
      list.push({
        name: (tag(set, 'Name') ?? '').toLowerCase().replace(/\.$/, ''),
        type: tag(set, 'Type'),
        ttl: Number(tag(set, 'TTL') ?? 0),
        values: tags(set, 'Value'),
        alias: tag(tag(set, 'AliasTarget') ?? '', 'DNSName')
          ?.toLowerCase()
          .replace(/\.$/, ''),
      });
    }
  }
  records = { at: Date.now(), list };
  return list;
}

const TYPES = { 1: 'A', 5: 'CNAME', 28: 'AAAA', 33: 'SRV', 16: 'TXT' };

function parseQuestion(msg) {
  const labels = [];
  let o = 12;
  while (o < msg.length && msg[o] !== 0) {
    const len = msg[o];
    if (len > 63) return undefined;
    labels.push(msg.subarray(o + 1, o + 1 + len).toString('latin1'));
    o += len + 1;
  }
  if (o + 5 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(o + 1), end: o + 5 };
}

function encodeName(name) {
  const parts = name.split('.').filter(Boolean);
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    Buffer.from([0]),
  ]);
}

function rr(type, ttl, rdata) {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(Math.max(0, Math.min(ttl, 86400)), 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

/** rcode 0 with answers, 3 NXDOMAIN (a name of ours that does not exist), 5 REFUSED (not ours). */
async function answer(msg) {
  const q = parseQuestion(msg);
  const header = Buffer.from(msg.subarray(0, 12));
  if (q === undefined) {
    header.writeUInt16BE(0x8001 | (msg.readUInt16BE(2) & 0x0100), 2);
    return { reply: header, q };
  }
  const nlb = config.loadBalancers.find((l) => l.dnsName === q.name);
  const sets = await recordSets();
  const zones = sets.filter((s) => s.type === 'SOA').map((s) => s.name);
  const ours = nlb !== undefined || zones.some((z) => q.name === z || q.name.endsWith(`.${z}`));
  const answers = [];
  let rcode = ours ? 0 : 5;
  const ipv4 = (ip) => Buffer.from(ip.split('.').map(Number));
  if (nlb !== undefined) {
    if (q.type === 1) answers.push(rr(1, 60, ipv4(nlb.address)));
  } else if (ours) {
    const here = sets.filter((s) => s.name === q.name);
    if (here.length === 0) rcode = 3;
    for (const s of here) {
      if (s.alias !== undefined) {
        const target = config.loadBalancers.find((l) => l.dnsName === s.alias);
        if (target !== undefined && q.type === 1 && s.type === 'A')
          answers.push(rr(1, 60, ipv4(target.address)));
      } else if (TYPES[q.type] === s.type && s.type === 'A') {
        for (const v of s.values) answers.push(rr(1, s.ttl, ipv4(v)));
      } else if (TYPES[q.type] === s.type && s.type === 'SRV') {
        for (const v of s.values) {
          const [prio, weight, port, target] = v.split(/\s+/);
          const fixed = Buffer.alloc(6);
          fixed.writeUInt16BE(Number(prio), 0);
          fixed.writeUInt16BE(Number(weight), 2);
          fixed.writeUInt16BE(Number(port), 4);
          answers.push(rr(33, s.ttl, Buffer.concat([fixed, encodeName(target ?? '')])));
        }
      }
    }
  }
  // QR, AA when ours, RD copied, RA off (this resolver recurses for no one).
  header.writeUInt16BE(0x8000 | (ours ? 0x0400 : 0) | (msg.readUInt16BE(2) & 0x0100) | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  return { reply: Buffer.concat([header, msg.subarray(12, q.end), ...answers]), q, rcode, n: answers.length };
}

function dns() {
  const udp = createSocket('udp4');
  udp.on('message', (msg, from) => {
    answer(msg)
      .then(({ reply, q, rcode, n }) => {
        udp.send(reply, from.port, from.address);
        log(`dns ${from.address} ${TYPES[q?.type] ?? q?.type} ${q?.name} rcode ${rcode} answers ${n}`);
      })
      .catch((error) => log(`dns ${from.address}: ${error.message}`));
  });
  udp.on('error', (error) => {
    log(`dns: ${error.message}`);
    process.exit(1);
  });
  udp.bind(53, config.resolverAddress, () => log(`dns ${config.resolverAddress}:53 udp: listening`));
  const tcp = createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        answer(msg)
          .then(({ reply }) => {
            const len = Buffer.alloc(2);
            len.writeUInt16BE(reply.length);
            socket.write(Buffer.concat([len, reply]));
          })
          .catch(() => socket.destroy());
      }
    });
    socket.on('error', () => socket.destroy());
  });
  listening(tcp, `dns ${config.resolverAddress}:53 tcp`);
  tcp.listen(53, config.resolverAddress);
}

// ---- the package repository ------------------------------------------------------------------------------

function mirror() {
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mirror');
    const name = basename(decodeURIComponent(url.pathname));
    const file = join(config.repoDir, name);
    let size = -1;
    if (url.pathname.startsWith('/debian/') && (name === 'Packages' || name.endsWith('.deb'))) {
      try {
        size = statSync(file).size;
      } catch {
        size = -1;
      }
    }
    log(`mirror ${req.socket.remoteAddress} ${req.method} ${url.pathname} ${size < 0 ? 404 : 200}`);
    if (size < 0) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  listening(server, `mirror ${config.mirrorAddress}:80`);
  server.listen(80, config.mirrorAddress);
}
