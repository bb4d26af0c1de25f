import { patroniAtLeast } from './patroni-version.js';

/**
 * What the drills found wrong in the installed Patroni, as a warning for deploy to print; undefined when
 * nothing is known. Patroni up to 3.0.2 (Debian 12's) lets a primary that was frozen past the ttl take the
 * leader key back when it resumes, demoting the replica promoted meanwhile: writes acknowledged there are
 * lost (`pnpm run drill -- --scenario freeze`, docs/failure-drills.md). Fixed upstream by patroni/patroni#2689.
 */
export function knownPatroniFlaw(version: string): string | undefined {
  if (patroniAtLeast(version, [3, 0, 3])) return undefined;
  return (
    `Patroni ${version}: a primary frozen (stopped) longer than the ttl can take leadership back when it resumes ` +
    'and lose the writes the promoted replica acknowledged (patroni/patroni#2689, fixed after 3.0.2; see ' +
    'docs/failure-drills.md). Use a newer Patroni in production, or a watchdog'
  );
}
