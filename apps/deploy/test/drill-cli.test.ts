import { SCENARIO_NAMES, SCENARIOS } from '@pgha/drills';
import { describe, expect, test } from 'vitest';
import { scenariosForAll } from '../src/commands/drill.js';
import { cli } from './helpers.js';

// Usage errors are refused before anything is deployed: exit 2, one line naming the flag, and a hint.
describe('pgha drill usage', () => {
  test.each([
    [['drill'], /needs --scenario NAME or --all/, /scenarios: switchover, host-crash/],
    [['drill', '--scenario', 'meteor'], /--scenario "meteor" is not a drill/, /lagging-replica/],
    [['drill', '--scenario', 'freeze', '--profile', 'turbo'], /--profile "turbo"/, /fast, safe, guide/],
    [['drill', '--scenario', 'freeze', '--trials', '0'], /--trials "0" is not valid/, /1 to 50/],
    [['drill', '--scenario', 'freeze', '--clients', '0'], /--clients "0" is not valid/, /1 to 64/],
    [['drill', '--scenario', 'freeze', '--clients', 'four'], /--clients "four" is not valid/, /default 4/],
    [['drill', '--scenario', 'freeze', '--failsafe', 'maybe'], /--failsafe "maybe"/, /on or .*off/],
    [['drill', '--scenario', 'freeze', '--address-base', '127.0'], /127\.0/, /main cluster/],
    [['drill', '--scenario', 'freeze', '--sync', '--async'], /both given/, /choose one/],
    [
      ['drill', '--scenario', 'isolate-primary'],
      /cuts or degrades links/,
      /--network netns --scenario isolate-primary/,
    ],
    [
      ['drill', '--scenario', 'instance-terminated'],
      /terminates an instance/,
      /rehearse -- --config FILE --drill/,
    ],
  ])('%j is a usage error', async (args, message, hint) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(hint);
  });

  test('--json usage errors are one JSON document on stdout', async () => {
    const result = await cli(['drill', '--scenario', 'nope', '--json']);
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout) as { ok: boolean; error: { code: string } };
    expect(doc).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });

  test('--help lists the drill command and its options', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}drill {5}/m);
    for (const flag of ['--scenario NAME', '--all', '--trials N', '--clients N', '--failsafe on|off'])
      expect(result.stdout).toContain(flag);
  });
});

describe('what --all runs on the local target', () => {
  test('loopback: every scenario that signals processes or calls Patroni; no link cut, no instance', () => {
    // The registry's order (pinned in @pgha/drills) up to the first partition scenario: 8, host-crash among them.
    const local = scenariosForAll('loopback');
    expect(local).toEqual(SCENARIO_NAMES.slice(0, SCENARIO_NAMES.indexOf('isolate-primary')));
    expect(local).toHaveLength(8);
    expect(local).toEqual(expect.arrayContaining(['host-crash', 'freeze', 'lagging-replica']));
  });

  test('netns: the partition scenarios join, last; instance-terminated never (the rehearsal has it)', () => {
    const all = scenariosForAll('netns');
    expect(all.slice(0, 8)).toEqual(scenariosForAll('loopback'));
    expect(all.slice(8)).toEqual(SCENARIOS.filter((s) => s.requires?.includes('network')).map((s) => s.name));
    expect(all).not.toContain('instance-terminated');
  });
});
