import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PLUGIN_DIR, findTerraform, isExecutable, onPath } from '@pgha/aws-deploy';
import { RehearsalError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The emulator the rehearsal applies the stack to, and the version its facts were measured with. */
export const MOTO_VERSION = '5.2.1';
export const MOTO_INSTALL = `python3 -m pip install "moto[server]==${MOTO_VERSION}"`;

/** What a rehearsal needs on this machine, found before anything is written or started. */
export interface RehearsalPrerequisites {
  readonly motoServer: string;
  readonly terraform: string;
  /** The offline provider mirror (hashicorp/aws 5.100.0): Terraform's only installation source. */
  readonly pluginDir: string;
}

/** `$PGHA_MOTO_SERVER`, else the first `moto_server` on PATH; missing is a usage error with the install command. */
export function findMotoServer(env: Env): string {
  const override = env.PGHA_MOTO_SERVER;
  if (override !== undefined) {
    if (isExecutable(override)) return override;
    throw new RehearsalError('BINARY_MISSING', `PGHA_MOTO_SERVER=${override} is not an executable file`, {
      hint: `point it at moto_server (installed by ${MOTO_INSTALL}), or unset it to use the one on PATH`,
    });
  }
  const found = onPath('moto_server', env);
  if (found === undefined) {
    throw new RehearsalError('BINARY_MISSING', 'moto_server (the AWS emulator) was not found on PATH', {
      hint: `install moto ${MOTO_VERSION} with its server extras into this machine's Python: ${MOTO_INSTALL} (with pyenv, then pyenv rehash); or set PGHA_MOTO_SERVER to its path`,
    });
  }
  return found;
}

/** The emulator, Terraform and the offline provider mirror, or a usage error naming the one missing. */
export function rehearsalPrerequisites(env: Env): RehearsalPrerequisites {
  const motoServer = findMotoServer(env);
  const terraform = findTerraform(env);
  const pluginDir = env.PGHA_TF_PLUGIN_DIR ?? DEFAULT_PLUGIN_DIR;
  if (!existsSync(join(pluginDir, 'registry.terraform.io', 'hashicorp', 'aws'))) {
    throw new RehearsalError(
      'BINARY_MISSING',
      `no hashicorp/aws provider in the offline mirror ${pluginDir}`,
      {
        hint: `a rehearsal installs the provider from that mirror only, never from the registry: put hashicorp/aws 5.100.0 there (terraform providers mirror ${pluginDir}, on a machine with network), or set PGHA_TF_PLUGIN_DIR to a mirror that has it`,
      },
    );
  }
  return { motoServer, terraform, pluginDir };
}

/** The Debian packages the boot stages need, and the one command that installs them. */
export const BOOT_PACKAGES = {
  mmdebstrap: 'mmdebstrap',
  'systemd-nspawn': 'systemd-container',
  haproxy: 'haproxy',
  ip: 'iproute2',
  losetup: 'mount',
  nsenter: 'util-linux',
  'dpkg-deb': 'dpkg',
} as const;

export interface BootPrerequisites {
  readonly mmdebstrap: string;
  /** Where built root filesystems are kept (`$PGHA_REHEARSE_CACHE`, default /var/cache/pgha/rehearse). */
  readonly cacheDir: string;
}

/**
 * What booting the instances needs: root (namespaces, mounts, loop devices), mmdebstrap, systemd-nspawn,
 * HAProxy, iproute2, losetup, nsenter. Missing tools are one usage error with the exact install command.
 */
export function bootPrerequisites(env: Env, uid: number): BootPrerequisites {
  if (uid !== 0) {
    throw new RehearsalError(
      'USAGE',
      'booting the rehearsal instances needs root (network namespaces, overlay mounts, loop devices, systemd-nspawn)',
      {
        hint: 'run it as root, or stop after the apply (applyOnly)',
        reason: 'needs-root',
      },
    );
  }
  const missing = Object.entries(BOOT_PACKAGES).filter(([bin]) => onPath(bin, env) === undefined);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, p]) => p))];
    throw new RehearsalError(
      'BINARY_MISSING',
      `booting the rehearsal instances needs ${missing.map(([b]) => b).join(', ')}, not found on PATH`,
      { hint: `install them: apt-get install -y ${packages.join(' ')}` },
    );
  }
  return {
    mmdebstrap: onPath('mmdebstrap', env) as string,
    cacheDir: env.PGHA_REHEARSE_CACHE ?? '/var/cache/pgha/rehearse',
  };
}
