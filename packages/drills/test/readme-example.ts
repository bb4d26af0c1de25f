import { type DrillTarget, formatTable, isDrillError, runDrill, summarize } from '@pgha/drills';

/**
 * Run the host-crash drill three times on a target (each trial deploys and destroys its own throwaway
 * cluster) and return the summary table; a scenario the target cannot run is refused before anything is
 * deployed.
 */
export async function hostCrashTable(target: DrillTarget, signal?: AbortSignal): Promise<string> {
  const results = [];
  for (let trial = 1; trial <= 3; trial++) {
    try {
      results.push(
        await runDrill(
          { scenario: 'host-crash', profile: 'fast', synchronousMode: true, clients: 4 },
          target,
          {
            signal,
            onEvent: (event) => {
              if (event.type === 'progress') console.error(`trial ${trial}: ${event.message}`);
            },
          },
        ),
      );
    } catch (error) {
      if (isDrillError(error) && error.code === 'TARGET_UNSUPPORTED') throw error;
      console.error(`trial ${trial} failed: ${(error as Error).message}`);
    }
  }
  return formatTable(summarize(results));
}
