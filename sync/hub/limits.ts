/**
 * The hub's limits, so one client (broken or hostile) cannot exhaust it: request size, messages
 * per push, page size, a request rate per signed-in user (a token bucket: `burst` requests at
 * once, refilled at `perSecond`; requests without a valid token share their address's bucket),
 * sign-in attempts per address, and a backoff per account after failed sign-ins.
 *
 * The buckets live in the memory of one hub instance; the sign-in backoff lives in the database,
 * so hub instances on one PostgreSQL share it.
 */

/** After `freeFailures` failed sign-ins, an account waits baseSeconds * 2^(n - freeFailures), capped. */
export interface SignInBackoff {
  freeFailures: number;
  baseSeconds: number;
  maxSeconds: number;
  /** A failure count untouched this long starts again from zero. */
  forgetAfterHours: number;
}

export interface HubLimits {
  /** Largest HTTP request body, in bytes (WebSocket frames have their own, smaller limit: the transport's maxFrameBytes). */
  maxBodyBytes: number;
  maxMessagesPerPush: number;
  maxPullLimit: number;
  /** About how many bytes of messages one pull page carries (at least one message). */
  maxPullBytes: number;
  rate: { perSecond: number; burst: number };
  /** Sign-in attempts per client address (a separate, smaller bucket against password guessing). */
  signInRate: { perSecond: number; burst: number };
  signInBackoff: SignInBackoff;
  /** A message timestamp further ahead of the hub's clock than this is refused. */
  maxClockAheadMs: number;
}

export const DEFAULT_LIMITS: HubLimits = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxMessagesPerPush: 10_000,
  maxPullLimit: 10_000,
  maxPullBytes: 8 * 1024 * 1024,
  rate: { perSecond: 50, burst: 200 },
  signInRate: { perSecond: 0.2, burst: 10 },
  signInBackoff: { freeFailures: 5, baseSeconds: 15, maxSeconds: 3600, forgetAfterHours: 24 },
  maxClockAheadMs: 60_000,
};

/** The largest push the wire schema accepts at all, whatever the configured limit. */
export const ABSOLUTE_MAX_MESSAGES_PER_PUSH = 50_000;

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #now: () => number;

  constructor(rate: { perSecond: number; burst: number }, now: () => number = Date.now) {
    this.#perSecond = rate.perSecond;
    this.#burst = rate.burst;
    this.#now = now;
  }

  /** Takes one request from the key's bucket; false when it is empty. */
  take(key: string): boolean {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 100_000) this.#forgetFull(now);
    return allowed;
  }

  /** Seconds until the key has a request again (for the error message). */
  retryAfter(key: string): number {
    const bucket = this.#buckets.get(key);
    if (!bucket || bucket.tokens >= 1) return 0;
    return Math.ceil((1 - bucket.tokens) / this.#perSecond);
  }

  /** Drops buckets that have refilled completely: they carry no information. */
  #forgetFull(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond >= this.#burst) this.#buckets.delete(key);
    }
  }
}
