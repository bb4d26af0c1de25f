import type { ProbeFailure } from './probe-failure.js';

/**
 * One clause per distinct failure reason: `etcd-2 (url), etcd-3 (url) do not answer: connection refused`.
 * Several targets failing the same way (a wrong CA, say) are named once with the reason once.
 */
export function groupFailures(
  items: readonly { who: string; failure: ProbeFailure }[],
  what = 'answer',
): string {
  const byReason = new Map<string, string[]>();
  for (const { who, failure } of items) {
    const list = byReason.get(failure.reason) ?? [];
    list.push(who);
    byReason.set(failure.reason, list);
  }
  return [...byReason]
    .map(([reason, who]) => `${who.join(', ')} ${who.length === 1 ? 'does' : 'do'} not ${what}: ${reason}`)
    .join('; ');
}
