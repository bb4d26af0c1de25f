import { expect, test } from 'vitest';
import { type StepEvent, step } from './step.js';

test('a step that succeeds emits start, then done with its detail', async () => {
  const events: StepEvent[] = [];
  const value = await step(
    (e) => events.push(e),
    'etcd',
    'etcd quorum',
    async () => 3,
    (n) => `${n} members`,
  );
  expect(value).toBe(3);
  expect(events.map((e) => e.type)).toEqual(['step-start', 'step-done']);
  expect(events[0]).toEqual({ type: 'step-start', step: 'etcd', title: 'etcd quorum' });
  expect(events[1]).toMatchObject({ type: 'step-done', step: 'etcd', detail: '3 members' });
  expect(events[1]).toHaveProperty('ms', expect.any(Number));
});

test('a step without detail emits done without one; a failing step emits failed and rethrows', async () => {
  const events: StepEvent[] = [];
  await step(
    (e) => events.push(e),
    'a',
    'A',
    async () => undefined,
  );
  expect(events[1]).not.toHaveProperty('detail');
  const failure = new Error('port 2379 in use');
  await expect(
    step(
      (e) => events.push(e),
      'b',
      'B',
      async () => {
        throw failure;
      },
    ),
  ).rejects.toBe(failure);
  expect(events[3]).toMatchObject({ type: 'step-failed', step: 'b', error: 'port 2379 in use' });
});
