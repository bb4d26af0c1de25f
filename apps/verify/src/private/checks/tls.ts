import type { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { RunContext, Verdict } from '../context.js';
import { parseCertificates } from '../materials.js';

interface Found {
  readonly label: string;
  readonly cert: X509Certificate;
}

const DAY = 86_400_000;

async function pkiFiles(dir: string, depth = 0): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < 3) out.push(...(await pkiFiles(p, depth + 1)));
    else if (e.isFile() && /\.(crt|pem|cert)$/i.test(e.name)) out.push(p);
  }
  return out;
}

function subject(c: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(c.subject)?.[1];
  return cn ? `CN=${cn}` : c.subject.replace(/\n/g, ', ');
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** `tls.expiry`: no certificate named by the manifest or in the PKI dir is expired, not yet valid or expiring soon. */
export async function checkTlsExpiry(ctx: RunContext): Promise<Verdict> {
  const found: Found[] = [];
  const problems: string[] = [];
  for (const n of ctx.materials.named) {
    n.certs.forEach((cert, i) => {
      found.push({ label: `${n.field}${n.certs.length > 1 ? `[${i}]` : ''} (${basename(n.path)})`, cert });
    });
  }
  const dir = ctx.manifest.pki?.dir;
  if (dir) {
    let files: string[] = [];
    try {
      files = await pkiFiles(dir);
    } catch (e) {
      problems.push(
        `cannot list pki.dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    for (const f of files) {
      let pem: string;
      try {
        pem = await readFile(f, 'utf8');
      } catch (e) {
        problems.push(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        continue;
      }
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) continue; // a key or something else: not ours to judge
      try {
        parseCertificates(pem).forEach((cert, i, all) => {
          found.push({ label: `${relative(dir, f)}${all.length > 1 ? `[${i}]` : ''}`, cert });
        });
      } catch (e) {
        problems.push(`${f} holds a certificate that does not parse: ${(e as Error).message}`);
      }
    }
  }
  // The same certificate named twice (a field and the PKI dir) is judged once.
  const unique = new Map<string, Found>();
  for (const f of found) if (!unique.has(f.cert.fingerprint256)) unique.set(f.cert.fingerprint256, f);

  const now = ctx.now().getTime();
  const warnings: string[] = [];
  let first: { f: Found; end: number } | undefined;
  for (const f of unique.values()) {
    const start = new Date(f.cert.validFrom).getTime();
    const end = new Date(f.cert.validTo).getTime();
    const who = `${f.label} ${subject(f.cert)}`;
    if (end <= now) problems.push(`${who} expired on ${day(new Date(end))}; renew it`);
    else if (start > now)
      problems.push(`${who} is not valid before ${new Date(start).toISOString()}; check clocks`);
    else if (end - now < ctx.tlsWarnDays * DAY) {
      warnings.push(`${who} expires in ${Math.floor((end - now) / DAY)} days (${day(new Date(end))})`);
    }
    if (!first || end < first.end) first = { f, end };
  }
  if (problems.length > 0) return { status: 'fail', detail: [...problems, ...warnings].join('; ') };
  if (unique.size === 0) return { status: 'fail', detail: 'no certificate found to check' };
  if (warnings.length > 0) {
    return { status: 'warn', detail: `${warnings.join('; ')} (warning window ${ctx.tlsWarnDays} days)` };
  }
  const f = first as { f: Found; end: number };
  return {
    status: 'pass',
    detail:
      `${unique.size} certificates valid; first to expire: ${f.f.label} in ` +
      `${Math.floor((f.end - now) / DAY)} days (${day(new Date(f.end))})`,
  };
}
