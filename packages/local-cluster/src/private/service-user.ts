import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { LocalClusterError } from '../errors.js';

/** The user the services run as: yourself, or `postgres` when run as root (PostgreSQL refuses root). */
export interface ServiceUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** True when this tool runs as root and switches to `name` for the services. */
  readonly isRoot: boolean;
}

export async function serviceUser(asRoot: boolean): Promise<ServiceUser> {
  if (!asRoot) {
    const me = userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid, isRoot: false };
  }
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  const fields = line?.split(':');
  if (!fields || fields.length < 4) {
    throw new LocalClusterError(
      'BINARY_MISSING',
      'running as root, but there is no "postgres" user to run the services as',
      {
        hint: 'install the postgresql package (it creates the user), or run pgha as an ordinary user',
      },
    );
  }
  return { name: 'postgres', uid: Number(fields[2]), gid: Number(fields[3]), isRoot: true };
}
