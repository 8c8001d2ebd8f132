/**
 * The read planner: turns the points of a poll into as few Modbus requests as possible. Points of
 * one unit and one function code are sorted by register and merged into one request while the
 * merged span stays within 125 registers (the protocol's limit for fc 3/4) and the hole between two
 * neighbours is at most `maxGap` registers (reading a few unused registers is cheaper than another
 * round trip, most of all on a 9,600 baud bus; but some devices answer an exception for registers
 * they do not implement, so the gap is configurable and 0 turns it off).
 */
import type { PointSpec } from '../types.ts';
import { isDataType, isWordOrder, wordCount, type DataType, type WordOrder } from './codec.ts';

export const MAX_REGISTERS_PER_REQUEST = 125;
export const DEFAULT_MAX_GAP = 16;

export type RegisterFc = 3 | 4;

/** A point with its address parsed and its decoding fixed. */
export interface PlannedPoint {
  point: PointSpec;
  unit: number;
  fc: RegisterFc;
  address: number;
  type: DataType;
  order: WordOrder;
  words: number;
  /** SunSpec: the int16 register (same unit and fc) holding the power-of-ten scale factor. */
  sfAddress?: number;
  /** Registers the point needs, its own and its scale factor's: [lo, hi). */
  lo: number;
  hi: number;
}

export interface ReadRequest {
  unit: number;
  fc: RegisterFc;
  start: number;
  count: number;
  points: PlannedPoint[];
}

export class PointAddressError extends Error {
  constructor(
    readonly pointId: string,
    message: string,
  ) {
    super(`point "${pointId}": ${message}`);
    this.name = 'PointAddressError';
  }
}

/**
 * "<fc>:<register>[;sf=<register>]": fc 3 (holding) or 4 (input registers), the 0-based protocol
 * address, and for SunSpec values the register of their scale factor.
 */
export function parseRegisterAddress(point: PointSpec, defaultUnit: number): PlannedPoint {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*(?:;\s*sf\s*=\s*(\d+)\s*)?$/.exec(point.address);
  if (!m) throw new PointAddressError(point.id, `address "${point.address}" is not "<fc>:<register>" or "<fc>:<register>;sf=<register>" (e.g. "4:0" for input register 0)`);
  const fc = Number(m[1]);
  const address = Number(m[2]);
  if (fc !== 3 && fc !== 4) throw new PointAddressError(point.id, `function code ${fc} in "${point.address}": only 3 (holding) and 4 (input registers) are read`);
  const type = point.dataType ?? 'uint16';
  if (!isDataType(type)) throw new PointAddressError(point.id, `data type "${type}" is not one of int16, uint16, int32, uint32, float32, float64`);
  const order = point.order ?? 'ABCD';
  if (!isWordOrder(order)) throw new PointAddressError(point.id, `order "${String(order)}" is not one of ABCD, CDAB, BADC, DCBA`);
  const words = wordCount(type);
  if (address + words > 65_536) throw new PointAddressError(point.id, `register ${address} + ${words} word(s) runs past 65535`);
  const unit = point.unitId ?? defaultUnit;
  if (!Number.isInteger(unit) || unit < 0 || unit > 255) throw new PointAddressError(point.id, `unit ${unit} is outside 0..255`);
  const sfAddress = m[3] === undefined ? undefined : Number(m[3]);
  if (sfAddress !== undefined && sfAddress > 65_535) throw new PointAddressError(point.id, `scale-factor register ${sfAddress} is outside 0..65535`);
  const lo = Math.min(address, sfAddress ?? address);
  const hi = Math.max(address + words, (sfAddress ?? address) + 1);
  if (hi - lo > MAX_REGISTERS_PER_REQUEST) throw new PointAddressError(point.id, `value ${address} and its scale factor ${sfAddress} are more than ${MAX_REGISTERS_PER_REQUEST} registers apart`);
  return { point, unit, fc, address, type, order, words, ...(sfAddress !== undefined ? { sfAddress } : {}), lo, hi };
}

/** Plans the requests that read every point; the order of requests is unit, fc, address. */
export function planReads(points: PointSpec[], options: { defaultUnit?: number; maxGap?: number; maxCount?: number } = {}): ReadRequest[] {
  const maxGap = options.maxGap ?? DEFAULT_MAX_GAP;
  const maxCount = Math.min(options.maxCount ?? MAX_REGISTERS_PER_REQUEST, MAX_REGISTERS_PER_REQUEST);
  const planned = points.map((p) => parseRegisterAddress(p, options.defaultUnit ?? 1));
  planned.sort((a, b) => a.unit - b.unit || a.fc - b.fc || a.lo - b.lo);
  const requests: ReadRequest[] = [];
  let current: ReadRequest | null = null;
  for (const p of planned) {
    if (current && current.unit === p.unit && current.fc === p.fc) {
      const currentEnd = current.start + current.count;
      const gap = p.lo - currentEnd;
      const newCount = Math.max(currentEnd, p.hi) - current.start;
      if (gap <= maxGap && newCount <= maxCount) {
        current.count = newCount;
        current.points.push(p);
        continue;
      }
    }
    current = { unit: p.unit, fc: p.fc, start: p.lo, count: p.hi - p.lo, points: [p] };
    requests.push(current);
  }
  return requests;
}
