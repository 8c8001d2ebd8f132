/**
 * Caps on open WebSocket connections per client address and per token, so one stranger or one
 * leaked token cannot hold thousands of sockets (each costs memory, a keep-alive timer and, with
 * subscriptions, database work on every push).
 */
export interface ConnectionCapLimits {
  maxConnectionsPerAddress: number;
  maxConnectionsPerToken: number;
}

export type Slot = { ok: true; release: () => void } | { ok: false; message: string };

export class ConnectionCaps {
  readonly #byAddress = new Map<string, number>();
  readonly #byToken = new Map<string, number>();
  readonly #limits: ConnectionCapLimits;

  constructor(limits: ConnectionCapLimits) {
    this.#limits = limits;
  }

  /** Reserves a connection for the address and token key, or says which cap is reached. */
  take(address: string, tokenKey: string): Slot {
    const forAddress = this.#byAddress.get(address) ?? 0;
    if (forAddress >= this.#limits.maxConnectionsPerAddress) {
      return { ok: false, message: `too many WebSocket connections from ${address} (the limit is ${this.#limits.maxConnectionsPerAddress}): close some first` };
    }
    const forToken = this.#byToken.get(tokenKey) ?? 0;
    if (forToken >= this.#limits.maxConnectionsPerToken) {
      return { ok: false, message: `too many WebSocket connections with this token (the limit is ${this.#limits.maxConnectionsPerToken}): close some first` };
    }
    this.#byAddress.set(address, forAddress + 1);
    this.#byToken.set(tokenKey, forToken + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        decrement(this.#byAddress, address);
        decrement(this.#byToken, tokenKey);
      },
    };
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const left = (map.get(key) ?? 1) - 1;
  if (left <= 0) map.delete(key);
  else map.set(key, left);
}
