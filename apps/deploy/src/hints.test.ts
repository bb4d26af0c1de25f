import { bootPrerequisites } from '@pgha/rehearsal';
import { describe, expect, test } from 'vitest';
import { isDeployError } from './errors.js';
import { cliHint } from './hints.js';

// The libraries name no CLI command or flag; the CLI words the hints that do (see hints.ts).
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
    expect(isDeployError(caught) && cliHint(caught, {})).toContain('--apply-only');
  });
});
