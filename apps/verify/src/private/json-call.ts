import { type RestCall, rest, restPhase } from '@pgha/clients';
import { ProbeFailure, type TlsClient, toProbeFailure } from './probe-failure.js';

export interface JsonResponse {
  readonly status: number;
  /** The parsed body; undefined for an empty one. */
  readonly body: unknown;
}

/**
 * One call through @pgha/clients' `rest`, its body parsed as JSON; every failure is a {@link ProbeFailure} that
 * names `url` (and, for TLS, the manifest field of the CA or client certificate).
 */
export async function jsonCall(
  url: string,
  tls: TlsClient,
  call: RestCall & { readonly signal: AbortSignal },
): Promise<JsonResponse> {
  let res: Awaited<ReturnType<typeof rest>>;
  try {
    res = await rest(url, tls, call);
  } catch (e) {
    throw toProbeFailure(e, {
      target: url,
      phase: restPhase(e) ?? 'connect',
      tls,
      timeoutMs: call.timeoutMs,
      signal: call.signal,
    });
  }
  try {
    return { status: res.status, body: res.body === '' ? undefined : JSON.parse(res.body) };
  } catch {
    throw new ProbeFailure(
      `${url}: answered HTTP ${res.status} with a body that is not JSON`,
      'protocol',
      undefined,
      url,
    );
  }
}
