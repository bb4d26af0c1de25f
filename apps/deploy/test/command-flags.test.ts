import { describe, expect, test } from 'vitest';
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

  test('a name every object has is no command', async () => {
    const result = await cli(['toString']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "toString"');
  });
});
