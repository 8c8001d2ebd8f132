/**
 * A link carries Modbus register reads to devices: one TCP connection to a gateway or one serial
 * bus. The connector owns reconnecting; a link only says when it went down and why.
 */
export type RegisterFc = 3 | 4;

export interface ModbusLink {
  /** Opens (or joins the opening of) the link; rejects with a reason a field engineer understands. */
  open(): Promise<void>;
  readonly isOpen: boolean;
  /** Reads `count` registers; rejects with a ModbusRequestError. */
  readRegisters(unit: number, fc: RegisterFc, start: number, count: number, timeoutMs: number): Promise<number[]>;
  /** Called once each time an open link goes down (peer closed, cable pulled, gateway silent). */
  onDown(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}

/**
 * Per-unit backoff (node-red-contrib-modbus #288/#409: one dead unit stalling the queue). After a
 * timeout a unit is skipped for base * 2^(n-1) ms (capped), then probed once; one answer clears it.
 */
export class UnitBackoff {
  private readonly units = new Map<number, { failures: number; until: number }>();
  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 30_000,
  ) {}

  /** ms until the unit may be asked again, 0 when it may be asked now. */
  waitMs(unit: number, now = Date.now()): number {
    const s = this.units.get(unit);
    return s ? Math.max(0, s.until - now) : 0;
  }

  failed(unit: number, now = Date.now()): void {
    const s = this.units.get(unit) ?? { failures: 0, until: 0 };
    s.failures += 1;
    s.until = now + Math.min(this.maxMs, this.baseMs * 2 ** (s.failures - 1));
    this.units.set(unit, s);
  }

  answered(unit: number): void {
    this.units.delete(unit);
  }
}
