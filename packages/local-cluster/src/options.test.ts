import { ETCD_MEMBER_COUNT_RULE, type Problem } from '@pgha/userdata';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { isLocalClusterError } from './errors.js';
import { addressPlan, DEFAULTS, optionProblemLine, optionProblems, validateOptions } from './options.js';

describe('validateOptions', () => {
  test('accepts the defaults', () => {
    expect(validateOptions({ ...DEFAULTS }, 'flags')).toEqual(DEFAULTS);
  });

  test.each([
    ['cluster', 'Main', 'lower-case letters'],
    ['cluster', '', 'lower-case letters'],
    // The rule of @pgha/userdata, which renders the cluster: a name it refuses fails here, up front.
    ['cluster', 'main-', 'not ending in "-"'],
    ['cluster', '../x', 'lower-case letters'],
    ['etcdMembers', 4, '3 or 5'],
    ['patroniNodes', 1, '2 to 5 nodes'],
    ['patroniNodes', 6, '2 to 5 nodes'],
    ['postgresVersion', 'fifteen', 'major version'],
    ['profile', 'turbo', '"fast" or "safe"'],
    ['synchronousMode', 'yes', 'true or false'],
    ['addressBase', '10.0', '127.N'],
    ['addressBase', '127.256', '127.N'],
  ])('rejects %s = %j, naming the field, the value and the fix', (key, value, fix) => {
    let caught: unknown;
    try {
      validateOptions({ ...DEFAULTS, [key]: value }, 'flags');
    } catch (error) {
      caught = error;
    }
    expect(isLocalClusterError(caught)).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain(`${key}: ${JSON.stringify(value)}`);
    expect(message).toContain(fix);
    expect((caught as { kind: string }).kind).toBe('usage');
  });

  test('lists every problem at once, and unknown keys', () => {
    expect(() =>
      validateOptions({ ...DEFAULTS, etcdMembers: 2, profile: 'x', replicas: 2 }, 'in c.json'),
    ).toThrow(/etcdMembers: 2[\s\S]*profile: "x"[\s\S]*/);
    expect(() => validateOptions({ ...DEFAULTS, replicas: 2 }, 'in c.json')).toThrow(
      'replicas: unknown option (in c.json)',
    );
  });
});

describe('optionProblems', () => {
  test('gives the problem shape of the libraries, {path, value, message}, and deploy prints each as before', () => {
    const problems = optionProblems({ ...DEFAULTS, etcdMembers: 4, replicas: 2 }, 'in c.json');
    expectTypeOf(problems).toEqualTypeOf<Problem[]>();
    expect(problems).toEqual([
      {
        path: 'replicas',
        value: 2,
        message: `unknown option (in c.json); known options: ${Object.keys(DEFAULTS).join(', ')}`,
      },
      { path: 'etcdMembers', value: 4, message: `use ${ETCD_MEMBER_COUNT_RULE}` },
    ]);
    expect(problems.map(optionProblemLine)).toEqual([
      `replicas: unknown option (in c.json); known options: ${Object.keys(DEFAULTS).join(', ')}`,
      `etcdMembers: 4 is not valid; use ${ETCD_MEMBER_COUNT_RULE}`,
    ]);
  });

  test('a value left out is shown as undefined, as before', () => {
    const line = optionProblems({ ...DEFAULTS, profile: undefined }, 'flags').map(optionProblemLine);
    expect(line).toEqual(['profile: undefined is not valid; use "fast" or "safe"']);
  });

  test('the defaults have no problem', () => {
    expect(optionProblems({ ...DEFAULTS }, 'flags')).toEqual([]);
  });
});

test('addressPlan follows the DESIGN address plan', () => {
  const plan = addressPlan({ ...DEFAULTS, etcdMembers: 5, patroniNodes: 2, addressBase: '127.7' });
  expect(plan.etcd.map((m) => `${m.name}@${m.host}`)).toEqual([
    'etcd-1@127.7.10.1',
    'etcd-2@127.7.10.2',
    'etcd-3@127.7.10.3',
    'etcd-4@127.7.10.4',
    'etcd-5@127.7.10.5',
  ]);
  expect(plan.patroni.map((n) => `${n.name}@${n.host}`)).toEqual(['pg-1@127.7.20.1', 'pg-2@127.7.20.2']);
  expect(plan.loadBalancer).toBe('127.7.30.1');
});

test('addressPlan in netns mode: the role octets in the last octet of 10.213.<N>.0/24, plus the admin host', () => {
  const plan = addressPlan({ ...DEFAULTS, network: 'netns', patroniNodes: 2, addressBase: '127.55' });
  expect(plan.etcd.map((m) => `${m.name}@${m.host}`)).toEqual([
    'etcd-1@10.213.55.11',
    'etcd-2@10.213.55.12',
    'etcd-3@10.213.55.13',
  ]);
  expect(plan.patroni.map((n) => `${n.name}@${n.host}`)).toEqual(['pg-1@10.213.55.21', 'pg-2@10.213.55.22']);
  expect(plan.loadBalancer).toBe('10.213.55.31');
  expect(plan.netns).toEqual({ cidr: '10.213.55.0/24', admin: '10.213.55.2' });
  expect(addressPlan(DEFAULTS).netns).toBeUndefined();
});

test('--network: a mode other than loopback or netns is named with the fix', () => {
  expect(() => validateOptions({ ...DEFAULTS, network: 'bridge' }, 'flags')).toThrow(
    'network: "bridge" is not valid; use "loopback" (every node on a loopback alias, the default) or "netns"',
  );
});
