import { describe, expect, test } from 'vitest';
import { isRehearsalError } from './errors.js';
import { bootPrerequisites } from './prereqs.js';

describe('what booting the instances needs', () => {
  // The CLI's wording of the hint (`--apply-only`) is apps/deploy's (src/hints.test.ts).
  test('not root: a usage error naming root and applyOnly, its reason needs-root', () => {
    let caught: unknown;
    try {
      bootPrerequisites({ PATH: '/usr/bin:/bin' }, 1000);
    } catch (error) {
      caught = error;
    }
    expect(isRehearsalError(caught) && caught.code).toBe('USAGE');
    expect(isRehearsalError(caught) && caught.message).toContain('needs root');
    expect(isRehearsalError(caught) && caught.hint).toContain('applyOnly');
    expect(isRehearsalError(caught) && caught.reason).toBe('needs-root');
  });

  test('tools missing: one apt-get command with the packages that hold them', () => {
    let caught: unknown;
    try {
      bootPrerequisites({ PATH: '/nonexistent' }, 0);
    } catch (error) {
      caught = error;
    }
    expect(isRehearsalError(caught) && caught.code).toBe('BINARY_MISSING');
    expect(isRehearsalError(caught) && caught.hint).toBe(
      'install them: apt-get install -y mmdebstrap systemd-container haproxy iproute2 mount util-linux dpkg',
    );
  });
});
