import { describe, expect, test } from 'vitest';
import { knownPatroniFlaw } from './patroni-flaws.js';

describe('knownPatroniFlaw', () => {
  test.each(['3.0.2', '3.0.1', '2.1.4', '3'])(
    'Patroni %s: the freeze flaw, with the upstream fix named',
    (v) => {
      const warning = knownPatroniFlaw(v);
      expect(warning).toContain(`Patroni ${v}:`);
      expect(warning).toContain('patroni/patroni#2689');
    },
  );

  test.each(['3.0.3', '3.1.0', '3.3.2', '4.0.4'])('Patroni %s: nothing known', (v) => {
    expect(knownPatroniFlaw(v)).toBeUndefined();
  });
});
