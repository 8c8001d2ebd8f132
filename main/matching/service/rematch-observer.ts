/**
 * Test support: observes the core's real re-matches of changed flows, and can hold them while a
 * test checks what happens meanwhile (the re-match queue looks `rematchFlow` up at call time, so
 * wrapping the method on the service is seen by it).
 */
import type { MatchService } from './match-service.ts';

/** The core's real re-matches, in call order; `hold()` keeps the next ones waiting until released. */
export function observeRematches(core: { matching: Pick<MatchService, 'rematchFlow'> }) {
  const calls: string[] = [];
  let gate: Promise<void> | undefined;
  let started: (() => void) | undefined;
  const original = core.matching.rematchFlow.bind(core.matching);
  core.matching.rematchFlow = async (flowId, query) => {
    calls.push(flowId);
    started?.();
    await gate;
    return original(flowId, query);
  };
  return {
    calls,
    /** Holds re-matches; resolves `running` when one has started and is held. */
    hold() {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      const running = new Promise<void>((resolve) => (started = resolve));
      return {
        running,
        release: () => {
          started = undefined;
          gate = undefined;
          release();
        },
      };
    },
  };
}
