/**
 * Reconnect delays: exponential backoff with "full jitter" (a random delay between half and all
 * of the exponential step), so a site full of laptops reconnecting to a restarted server does not
 * hit it in lock-step.
 */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

/** Delay before attempt `attempt` (1 = first retry). `random` is injectable for tests. */
export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const step = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
