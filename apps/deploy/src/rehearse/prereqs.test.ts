import { describe, expect, test } from 'vitest';
import { isDeployError } from '../errors.js';
import { bootPrerequisites } from './prereqs.js';

describe('what booting the instances needs', () => {
  test('not root: a usage error naming root and --apply-only', () => {
    let caught: unknown;
    try {
      bootPrerequisites({ PATH: '/usr/bin:/bin' }, 1000);
    } catch (error) {
      caught = error;
    }
    expect(isDeployError(caught) && caught.code).toBe('USAGE');
    expect(isDeployError(caught) && caught.message).toContain('needs root');
    expect(isDeployError(caught) && caught.hint).toContain('--apply-only');
  });

  test('tools missing: one apt-get command with the packages that hold them', () => {
    let caught: unknown;
    try {
      bootPrerequisites({ PATH: '/nonexistent' }, 0);
    } catch (error) {
      caught = error;
    }
    expect(isDeployError(caught) && caught.code).toBe('BINARY_MISSING');
    expect(isDeployError(caught) && caught.hint).toBe(
      'install them: apt-get install -y mmdebstrap systemd-container haproxy iproute2 mount util-linux dpkg',
    );
  });
});
