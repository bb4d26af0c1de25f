import { expect, test } from 'vitest';
import { isLocalClusterError } from './errors.js';
import type { LocalClusterEvent } from './events.js';
import { type Environment, type Installer, installComponents } from './preflight.js';

/** An installer that runs nothing: records what it was given and prints what apt would. */
function fakeInstaller(exitCode: number, output: string) {
  const calls: { script: string; env: Environment }[] = [];
  const installer: Installer = async (script, env, onOutput) => {
    calls.push({ script, env });
    onOutput(output);
    return exitCode;
  };
  return { installer, calls };
}

test('the policy script goes to the installer given, with the environment given and a noninteractive apt', async () => {
  const { installer, calls } = fakeInstaller(0, 'Get:1 http://deb.example trixie/main patroni\nnoise\n');
  const events: LocalClusterEvent[] = [];
  await installComponents('debian-12', { patroni: true }, (e) => events.push(e), {
    installer,
    env: { PATH: '/usr/bin:/bin', LANG: 'C' },
  });
  expect(calls).toHaveLength(1);
  expect(calls[0]?.script).toContain('apt-get');
  expect(calls[0]?.env).toEqual({ PATH: '/usr/bin:/bin', LANG: 'C', DEBIAN_FRONTEND: 'noninteractive' });
  const progress = events.filter((e) => e.type === 'progress').map((e) => e.message);
  expect(progress[0]).toMatch(/^installing .*patroni/);
  expect(progress).toContain('Get:1 http://deb.example trixie/main patroni');
  expect(progress).not.toContain('noise');
  // Debian 12 takes Patroni from a pinned trixie source: the notice says where the pin is and how to remove it.
  expect(events.some((e) => e.type === 'notice' && e.message.includes('trixie'))).toBe(true);
});

test('an installer that fails: BINARY_MISSING with the exit code and the last output', async () => {
  const { installer } = fakeInstaller(100, 'E: Unable to locate package patroni\n');
  const error = await installComponents('debian-13', { patroni: true }, () => {}, { installer }).catch(
    (e: unknown) => e,
  );
  expect(isLocalClusterError(error) && error.code).toBe('BINARY_MISSING');
  expect((error as Error).message).toBe('the component install failed with exit code 100');
  expect((error as { hint: string }).hint).toBe('its last output:\nE: Unable to locate package patroni\n');
});
