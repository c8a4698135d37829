import { type INestApplicationContext } from '@nestjs/common';

import { Metrics } from '../../src/platform/metrics/metrics.service';

/** How many delta rounds an in-process worker counted as failed or retried with `code`. */
export async function syncRoundsWithCode(
  worker: INestApplicationContext,
  code: string,
): Promise<number> {
  const rounds = worker.get(Metrics).registry.getSingleMetric('rox365_sync_rounds_total');
  return ((await rounds?.get())?.values ?? [])
    .filter((v) => v.labels.code === code)
    .reduce((sum, v) => sum + v.value, 0);
}
