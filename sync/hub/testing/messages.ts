/** Valid change messages for hub tests, with distinct timestamps from one HLC. */
import { HybridLogicalClock } from '../../protocol/hlc.ts';
import type { ChangeMessage } from '../../protocol/messages.ts';

export function messageFactory(node = '0123456789abcdef', start = Date.parse('2026-11-25T01:00:00.000Z')) {
  let now = start;
  const clock = new HybridLogicalClock(node, { now: () => now });
  return {
    /** `count` field writes on flows f0..f(count-1), one minute of wall time apart every 7. */
    make(count: number, dataset = 'flow'): ChangeMessage[] {
      return Array.from({ length: count }, (_, i) => {
        if (i % 7 === 6) now += 60_000;
        return { timestamp: clock.send(), dataset, row: `f${i}`, column: 'amount', value: JSON.stringify(i * 1.5) };
      });
    },
  };
}
