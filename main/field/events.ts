/**
 * Turns a listener registration into an async iterable for tRPC subscriptions: events queue while
 * the consumer is busy and the listener is removed when the client goes away (the signal aborts).
 */
export async function* eventStream<T>(register: (push: (event: T) => void) => () => void, signal?: AbortSignal): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  const unregister = register((event) => {
    queue.push(event);
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  try {
    while (!signal?.aborted) {
      if (queue.length === 0) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
        wake = undefined;
        continue;
      }
      yield queue.shift()!;
    }
  } finally {
    unregister();
  }
}

/** A set of listeners with one emit. */
export class Listeners<T> {
  readonly #set = new Set<(event: T) => void>();
  add(listener: (event: T) => void): () => void {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  }
  emit(event: T): void {
    for (const listener of this.#set) listener(event);
  }
}
