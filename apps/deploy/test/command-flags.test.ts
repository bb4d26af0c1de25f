import { describe, expect, expectTypeOf, test } from 'vitest';
import type { CommandFlags } from '../src/command.js';
import * as components from '../src/commands/components.js';
import * as deploy from '../src/commands/deploy.js';
import * as destroy from '../src/commands/destroy.js';
import * as drill from '../src/commands/drill.js';
import * as plan from '../src/commands/plan.js';
import * as rehearse from '../src/commands/rehearse.js';
import * as status from '../src/commands/status.js';
import * as synth from '../src/commands/synth.js';
import { cli } from './helpers.js';

// Each command parses with its own flag table plus the common flags. The lists here are the options the
// help gives each command, written out by hand: every one of them parses (`--help` after them prints the
// usage and runs nothing), and a flag of another command is refused by name.
const COMMON = ['--cluster', 'c', '--state-dir', 's', '--json'];
const AWS = ['--target', 'aws', '--config', 'f', '--out', 'o', '--yes', '-y'];
const LOCAL = [
  '--profile',
  'fast',
  '--sync',
  '--async',
  '--address-base',
  '127.9',
  '--network',
  'loopback',
  '--no-install',
  '--allow-unsafe-components',
];

describe('pgha: one flag table per command', () => {
  test.each([
    [
      'deploy',
      [
        ...AWS,
        ...LOCAL,
        '--nodes-dir',
        'n',
        '--etcd-members',
        '3',
        '--patroni-nodes',
        '3',
        '--postgres-version',
        '17',
        '--timeout',
        '90',
        '--offline',
      ],
    ],
    ['destroy', [...AWS, '--nodes-dir', 'n', '--purge']],
    ['status', ['--nodes-dir', 'n']],
    ['synth', ['--config', 'f', '--out', 'o']],
    ['plan', ['--config', 'f', '--out', 'o', '--offline']],
    [
      'drill',
      [...LOCAL, '--scenario', 'freeze', '--all', '--failsafe', 'on', '--trials', '2', '--clients', '4'],
    ],
    ['components', ['--install']],
    ['rehearse', ['--config', 'f', '--work-dir', 'w', '--apply-only', '--destroy']],
  ])('%s takes the flags its help lists', async (command, flags) => {
    const result = await cli([command, ...COMMON, ...flags, '--help']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: pgha <command> \[options\]/);
  });

  test.each([
    ['status', '--purge', "Unknown option '--purge' for pgha status"],
    ['status', '-y', "Unknown option '-y' for pgha status"],
    ['synth', '--nodes-dir', "Unknown option '--nodes-dir' for pgha synth"],
    ['components', '--scenario', "Unknown option '--scenario' for pgha components"],
    ['drill', '--target', "Unknown option '--target' for pgha drill"],
    ['rehearse', '--offline', "Unknown option '--offline' for pgha rehearse"],
    ['deploy', '--frobnicate', "Unknown option '--frobnicate' for pgha deploy"],
  ])('%s %s is refused by name, exit 2, before anything runs', async (command, flag, message) => {
    const result = await cli([command, flag, 'x']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [error, hint, ...rest] = result.stderr.split('\n');
    expect(error).toBe(`error: ${message}`);
    expect(hint).toMatch(new RegExp(`^hint: ${command} takes --cluster, --state-dir, --json, --help, --`));
    expect(hint).toContain('pgha --help lists the options');
    expect(rest).toEqual(['']);
  });

  test('the hint names exactly the flags of the command', async () => {
    const result = await cli(['status', '--purge']);
    expect(result.stderr).toContain(
      'hint: status takes --cluster, --state-dir, --json, --help, --nodes-dir;',
    );
  });

  test('with --json the refusal is one JSON document on stdout, version 1', async () => {
    for (const args of [
      ['status', '--json', '--purge'],
      ['status', '--purge', '--json'],
      ['status', '--json', '--cluster'],
    ]) {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toEqual({
        ok: false,
        version: 1,
        error: expect.objectContaining({ code: 'USAGE' }),
      });
    }
  });

  test("each command's run takes exactly the flags its own table gives (cli.ts parses with that table)", () => {
    // Checked by the typecheck: a run typed from another table fails to compile here.
    expectTypeOf(deploy.run).parameter(0).toEqualTypeOf<CommandFlags<typeof deploy.FLAGS>>();
    expectTypeOf(destroy.run).parameter(0).toEqualTypeOf<CommandFlags<typeof destroy.FLAGS>>();
    expectTypeOf(status.run).parameter(0).toEqualTypeOf<CommandFlags<typeof status.FLAGS>>();
    expectTypeOf(synth.run).parameter(0).toEqualTypeOf<CommandFlags<typeof synth.FLAGS>>();
    expectTypeOf(plan.run).parameter(0).toEqualTypeOf<CommandFlags<typeof plan.FLAGS>>();
    expectTypeOf(drill.run).parameter(0).toEqualTypeOf<CommandFlags<typeof drill.FLAGS>>();
    expectTypeOf(components.run).parameter(0).toEqualTypeOf<CommandFlags<typeof components.FLAGS>>();
    expectTypeOf(rehearse.run).parameter(0).toEqualTypeOf<CommandFlags<typeof rehearse.FLAGS>>();
    expectTypeOf<CommandFlags<typeof status.FLAGS>>().toEqualTypeOf<{
      cluster?: string;
      'state-dir'?: string;
      json?: boolean;
      help?: boolean;
      'nodes-dir'?: string;
    }>();
  });

  test('a name every object has is no command', async () => {
    const result = await cli(['toString']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "toString"');
  });
});
