/**
 * The register scan (Modbus is not browsable, field.md): read a range and show each register raw
 * and decoded in every Modbus Poll display format, so a field engineer can find where a meter keeps
 * its values and in which order. The range is read in blocks of at most 125 registers; a block the
 * device refuses (exception 2 for unmapped registers is common) is reported with its error and the
 * scan goes on.
 */
import { previewAt } from './codec.ts';
import { classifyModbusError } from './errors.ts';
import type { RegisterFc } from './link.ts';
import { MAX_REGISTERS_PER_REQUEST } from './plan.ts';

/** Anything that reads registers: a ModbusConnector or a bare link. */
export interface RegisterReader {
  readRegisters(unit: number, fc: RegisterFc, start: number, count: number, timeoutMs: number): Promise<number[]>;
}

export interface ScanRegister {
  address: number;
  /** The raw word, 0..65535. */
  raw: number;
  hex: string;
  /** Decoded starting at this register: int16, uint16 (and _swapped), int32_ABCD..., float32_CDAB, float64_DCBA... (null past the end of the read). */
  preview: Record<string, number | null>;
}

export interface ScanBlockError {
  start: number;
  count: number;
  status: string;
  message: string;
}

export interface ScanResult {
  unit: number;
  fc: RegisterFc;
  start: number;
  count: number;
  registers: ScanRegister[];
  errors: ScanBlockError[];
}

export async function scanRegisters(reader: RegisterReader, args: { unit: number; fc: RegisterFc; start: number; count: number; blockSize?: number; timeoutMs?: number }): Promise<ScanResult> {
  const { unit, fc, start, count } = args;
  if (fc !== 3 && fc !== 4) throw new RangeError(`scan: function code ${String(fc)}: only 3 (holding) and 4 (input registers)`);
  if (!Number.isInteger(start) || start < 0 || start > 65_535) throw new RangeError(`scan: start ${start} is outside 0..65535`);
  if (!Number.isInteger(count) || count < 1 || start + count > 65_536) throw new RangeError(`scan: count ${count} must be at least 1 and end at register 65535 at most`);
  const block = Math.min(args.blockSize ?? MAX_REGISTERS_PER_REQUEST, MAX_REGISTERS_PER_REQUEST);
  const registers: ScanRegister[] = [];
  const errors: ScanBlockError[] = [];
  for (let s = start; s < start + count; s += block) {
    const n = Math.min(block, start + count - s);
    try {
      const words = await reader.readRegisters(unit, fc, s, n, args.timeoutMs ?? 1000);
      words.forEach((w, i) => {
        registers.push({ address: s + i, raw: w, hex: `0x${w.toString(16).toUpperCase().padStart(4, '0')}`, preview: previewAt(words, i) });
      });
    } catch (e) {
      const err = classifyModbusError(e);
      errors.push({ start: s, count: n, status: err.status, message: err.message });
    }
  }
  return { unit, fc, start, count, registers, errors };
}
