import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { describe, expect, test } from 'vitest';
import * as r from './rules.js';

const OPEN = 'x must not be open to every address';

describe('value checks', () => {
  test.each([
    ['10.0.0.0/16', true],
    ['0.0.0.0/0', true],
    ['255.255.255.255/32', true],
    ['10.0.0.0/33', false],
    ['10.0.0.256/16', false],
    ['10.0.0.0', false],
    ['10.0.0/8', false],
  ])('isIpv4Cidr(%s) is %s', (cidr, valid) => {
    expect(r.isIpv4Cidr(cidr)).toBe(valid);
  });

  test.each([
    ['10.20.0.0/16', true, true],
    ['10.20.0.1/16', false, false],
    ['10.0.0.0/8', true, false],
    ['10.20.0.16/28', true, true],
    ['10.20.0.0/29', true, false],
    ['0.0.0.0/0', true, false],
    ['10.0.0.0/33', false, false],
  ])('isIpv4Network(%s) is %s, isVpcCidr %s', (cidr, network, vpc) => {
    expect([r.isIpv4Network(cidr), r.isVpcCidr(cidr)]).toEqual([network, vpc]);
  });

  test.each([
    ['t3.medium', true],
    ['m7g.xlarge', true],
    ['u-6tb1.metal', true],
    ['large', false],
    ['T3.medium', false],
    ['3t.medium', false],
    ['t3.', false],
  ])('isInstanceType(%s) is %s', (type, valid) => {
    expect(r.isInstanceType(type)).toBe(valid);
  });

  test('isAnyAddress: only a /0 admits every address', () => {
    expect([
      r.isAnyAddress('0.0.0.0/0'),
      r.isAnyAddress('10.0.0.0/0 '),
      r.isAnyAddress('10.0.0.0/8'),
    ]).toEqual([true, true, false]);
  });

  test.each([
    ['10.0.0.0/8', '10.20.0.0/16', true],
    ['10.20.0.0/16', '10.20.0.0/16', true],
    ['10.20.0.0/16', '10.0.0.0/8', false],
    ['10.20.0.0/16', '10.21.0.0/16', false],
    ['0.0.0.0/0', '192.168.1.0/24', true],
  ])('cidrContains(%s, %s) is %s', (outer, inner, contains) => {
    expect(r.cidrContains(outer, inner)).toBe(contains);
  });

  test('isDnsName: lowercase labels, no trailing dot, within the length given', () => {
    expect(r.isDnsName('pgha.internal')).toBe(true);
    expect(r.isDnsName('etcd-1.main.pgha.internal')).toBe(true);
    expect(r.isDnsName('pgha.internal.')).toBe(false);
    expect(r.isDnsName('PGHA.internal')).toBe(false);
    expect(r.isDnsName('-a.internal')).toBe(false);
    expect(r.isDnsName(42)).toBe(false);
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(30)}`;
    expect(long.length).toBe(213);
    expect([r.isDnsName(long), r.isDnsName(long, 200)]).toEqual([true, false]);
  });

  test('show renders what the user gave', () => {
    expect(r.show(undefined)).toBe('undefined');
    expect(r.show('a')).toBe('"a"');
    expect(r.show(['x', 3])).toBe('["x",3]');
  });
});

describe('problems: {path, value, message}', () => {
  test('intInRangeProblem names the prop, the value and the range; unset passes', () => {
    expect(r.intInRangeProblem('ttl', 1, 5, 10)).toEqual({
      path: 'ttl',
      value: 1,
      message: 'use a whole number from 5 to 10',
    });
    expect(r.intInRangeProblem('ttl', 5.5, 5, 10)?.value).toBe(5.5);
    expect(r.intInRangeProblem('ttl', 10, 5, 10)).toBeUndefined();
    expect(r.intInRangeProblem('ttl', undefined, 5, 10)).toBeUndefined();
  });

  test('fieldProblem: the prop, the value given and the rule; unset passes unless required', () => {
    const isX = (v: unknown) => v === 'x';
    expect(r.fieldProblem('vpcId', 'vpc_1', isX, 'an x')).toEqual({
      path: 'vpcId',
      value: 'vpc_1',
      message: 'use an x',
    });
    expect(r.fieldProblem('vpcId', 'x', isX, 'an x')).toBeUndefined();
    expect(r.fieldProblem('vpcId', undefined, isX, 'an x')).toBeUndefined();
    expect(r.fieldProblem('vpcId', undefined, isX, 'an x', true)).toEqual({
      path: 'vpcId',
      value: undefined,
      message: 'use an x',
    });
  });

  test('problemLine: the path, the value given (cut at 80 characters) and the message', () => {
    expect(r.problemLine({ path: 'vpcId', value: 'vpc_1', message: 'use an x' })).toBe(
      'vpcId: got "vpc_1"; use an x',
    );
    expect(r.problemLine({ path: 'a', value: undefined, message: 'give it' })).toBe(
      'a: got undefined; give it',
    );
    expect(r.problemLine({ path: 'a', value: 'x'.repeat(100), message: 'm' })).toBe(
      `a: got "${'x'.repeat(76)}...; m`,
    );
  });

  test('cidrListProblems: one problem per bad entry, indexed; /0 gets the caller fix', () => {
    expect(r.cidrListProblems('cidrs', ['10.0.0.0/8', '10.0.0.0/33', '0.0.0.0/0'], OPEN)).toEqual([
      {
        path: 'cidrs[1]',
        value: '10.0.0.0/33',
        message: 'use an IPv4 CIDR with the host bits zero, like "10.0.0.0/16"',
      },
      { path: 'cidrs[2]', value: '0.0.0.0/0', message: OPEN },
    ]);
    expect(r.cidrListProblems('cidrs', undefined, OPEN)).toEqual([]);
  });

  test('clientSourceProblem: a CIDR, a security group id, or neither', () => {
    const line = (p: r.Problem | undefined) => (p === undefined ? undefined : r.problemLine(p));
    expect(r.clientSourceProblem('s', { cidr: '10.1.0.0/16' }, OPEN)).toBeUndefined();
    expect(r.clientSourceProblem('s', { securityGroupId: 'sg-0abc0000' }, OPEN)).toBeUndefined();
    expect(line(r.clientSourceProblem('s', { cidr: '0.0.0.0/0' }, OPEN))).toBe(`s: got "0.0.0.0/0"; ${OPEN}`);
    expect(line(r.clientSourceProblem('s', { securityGroupId: 'default' }, OPEN))).toMatch(
      /^s: got "default"; use a security group id: "sg-"/,
    );
    expect(line(r.clientSourceProblem('s', { host: 'x' } as never, OPEN))).toMatch(
      /^s: got \{"host":"x"\}; give \{ cidr: "10\.0\.0\.0\/16" \} or \{ securityGroupId: "sg-\.\.\." \}/,
    );
  });

  test('collectProblems keeps rule order and flattens lists; r.invalidPropsMessage lists them all', () => {
    const rules: r.Rule<{ a: number }>[] = [
      (p) => (p.a > 1 ? r.problem('a', p.a, 'too big') : undefined),
      () => [r.problem('b', 1, 'one'), r.problem('b', 2, 'two')],
      () => undefined,
      () => r.problem('c', 'x', 'bad'),
    ];
    const problems = r.collectProblems({ a: 2 }, rules);
    expect(problems.map((p) => [p.path, p.value])).toEqual([
      ['a', 2],
      ['b', 1],
      ['b', 2],
      ['c', 'x'],
    ]);
    expect(r.invalidPropsMessage("X 'x'", problems)).toBe(
      'X \'x\': 4 invalid prop(s):\n  - a: got 2; too big\n  - b: got 1; one\n  - b: got 2; two\n  - c: got "x"; bad',
    );
  });

  test('unresolved tokens are recognised, and skipped by the checks', () => {
    const stack = new TerraformStack(Testing.app(), 'tokens');
    const s = new TerraformVariable(stack, 's', { type: 'string' }).stringValue;
    const n = new TerraformVariable(stack, 'n', { type: 'number' }).numberValue;
    const l = new TerraformVariable(stack, 'l', { type: 'list(string)' }).listValue;
    expect([
      r.isUnresolved(s),
      r.isUnresolved(n),
      r.isUnresolved(l),
      r.isUnresolved('x'),
      r.isUnresolved(3),
    ]).toEqual([true, true, true, false, false]);
    expect(r.intInRangeProblem('n', n, 5, 10)).toBeUndefined();
    expect(r.fieldProblem('vpcId', s, () => false, 'never', true)).toBeUndefined();
    expect(r.cidrListProblems('c', [s], OPEN)).toEqual([]);
  });
});
