import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { PackedManifest } from './package-rules.js';
import type { PublishablePackage } from './workspace.js';

const run = promisify(execFile);

/** What a command did: exit code, output, and how long it took. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs a command the way an outsider's shell would: no `npm_*` / `pnpm_*` variables inherited from the pnpm
 * script that runs the tests (they would point npm at the workspace's configuration).
 */
export async function sh(
  cmd: string,
  args: readonly string[],
  cwd: string,
  timeoutMs = 120_000,
): Promise<Ran> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm|pnpm)_/i.test(k) && k !== 'NODE_OPTIONS' && k !== 'VITEST' && !k.startsWith('VITEST_'))
      env[k] = v;
  }
  env.NO_COLOR = '1';
  const started = Date.now();
  try {
    const { stdout, stderr } = await run(cmd, args, {
      cwd,
      env,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (error) {
    const e = error as {
      code?: unknown;
      stdout?: string;
      stderr?: string;
      killed?: boolean;
      signal?: string;
    };
    const code = typeof e.code === 'number' ? e.code : -1;
    const note = e.killed ? `\n(killed after ${timeoutMs} ms: ${e.signal ?? ''})` : '';
    return { code, stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}${note}`, ms: Date.now() - started };
  }
}

/** A package packed by pnpm and unpacked for inspection. */
export interface Packed {
  readonly pkg: PublishablePackage;
  readonly tarball: string;
  /** The unpacked `package/` directory. */
  readonly root: string;
  readonly manifest: PackedManifest;
  /** POSIX paths relative to `root`. */
  readonly files: ReadonlySet<string>;
  /** How long `pnpm pack` took (including its prepack build). */
  readonly packMs: number;
}

/** `pnpm pack` (which runs the package's prepack and rewrites `workspace:`), then unpacks the tarball. */
export async function pack(pkg: PublishablePackage, into: string): Promise<Packed> {
  const dest = join(into, pkg.name.replace(/^@/, '').replace('/', '-'));
  await mkdir(dest, { recursive: true });
  const packed = await sh('pnpm', ['pack', '--pack-destination', dest], pkg.dir, 150_000);
  if (packed.code !== 0)
    throw new Error(`pnpm pack in ${pkg.path} failed:\n${packed.stdout}\n${packed.stderr}`);
  const tgz = (await readdir(dest)).find((f) => f.endsWith('.tgz'));
  if (tgz === undefined) throw new Error(`pnpm pack in ${pkg.path} wrote no tarball:\n${packed.stdout}`);
  const tarball = join(dest, tgz);
  const unpacked = await sh('tar', ['-xzf', tarball, '-C', dest], dest);
  if (unpacked.code !== 0) throw new Error(`tar -xzf ${tarball}: ${unpacked.stderr}`);
  const root = join(dest, 'package');
  const files = new Set(await listFiles(root));
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as PackedManifest;
  return { pkg, tarball, root, manifest, files, packMs: packed.ms };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : posix.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** A workspace package's installed version (for the scratch project's own tools: typescript, @types/node). */
export async function installedVersion(
  fromDir: string,
  name: string,
): Promise<{ dir: string; version: string }> {
  const dir = await realpath(join(fromDir, 'node_modules', name));
  const { version } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

/**
 * The scratch project's package.json: the tarballs, each peer as a `file:` link to the copy the workspace
 * already installed (so the 360 MB of AWS provider bindings are not downloaded again; npm still checks each
 * against the peer ranges), and the same TypeScript and Node types the workspace uses, from the registry.
 */
export async function scratchManifest(
  packed: readonly Packed[],
  workspaceRoot: string,
): Promise<{ manifest: Record<string, unknown>; peers: Record<string, string> }> {
  const dependencies: Record<string, string> = {};
  for (const p of packed) dependencies[p.manifest.name] = `file:${p.tarball}`;
  const peers: Record<string, string> = {};
  for (const p of packed) {
    for (const peer of Object.keys(p.manifest.peerDependencies ?? {})) {
      if (peers[peer] !== undefined || dependencies[peer] !== undefined) continue;
      peers[peer] = (await installedVersion(p.pkg.dir, peer)).dir;
    }
  }
  for (const [peer, dir] of Object.entries(peers)) dependencies[peer] = `file:${dir}`;
  const ts = await installedVersion(workspaceRoot, 'typescript');
  const types = await installedVersion(workspaceRoot, '@types/node');
  return {
    manifest: {
      name: 'pgha-outsider-scratch',
      version: '0.0.0',
      private: true,
      type: 'module',
      dependencies,
      devDependencies: { typescript: ts.version, '@types/node': types.version },
    },
    peers,
  };
}

/** A strict NodeNext project, as `tsc --init` and a careful team would set it up. */
export const SCRATCH_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    esModuleInterop: true,
    forceConsistentCasingInFileNames: true,
    skipLibCheck: false,
    rootDir: 'src',
    outDir: 'out',
  },
  include: ['src'],
};

/** What `cdktf init --template=typescript` writes (the options that matter for resolving and emitting). */
export const CLASSIC_CJS_TSCONFIG = {
  compilerOptions: {
    target: 'ES2018',
    lib: ['es2018'],
    module: 'CommonJS',
    strict: true,
    noImplicitAny: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: '.',
    outDir: 'out',
  },
  include: ['main.ts'],
};

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The offline provider mirror of this machine kind (DESIGN.md: hashicorp/aws 5.100.0). */
export const TF_PLUGIN_DIR = '/opt/tf-plugins';

/**
 * `terraform init` + `validate` in a synthesized stack directory, offline: the filesystem mirror only, no
 * checkpoint (update check) call, nothing read from the user's own Terraform configuration.
 */
export async function terraformValidate(stackDir: string): Promise<Ran> {
  const config = join(stackDir, 'offline.tfrc');
  await writeFile(
    config,
    `provider_installation {\n  filesystem_mirror {\n    path = "${TF_PLUGIN_DIR}"\n  }\n}\ndisable_checkpoint = true\n`,
  );
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: stackDir,
    TF_CLI_CONFIG_FILE: config,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
  };
  const opts = { cwd: stackDir, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 };
  const started = Date.now();
  try {
    await run('terraform', ['init', '-input=false', '-no-color', `-plugin-dir=${TF_PLUGIN_DIR}`], opts);
    const { stdout, stderr } = await run('terraform', ['validate', '-no-color'], opts);
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(error),
      ms: Date.now() - started,
    };
  }
}
