/**
 * What went wrong with one Modbus request, in the categories the counters and the UI use: a
 * timeout (the unit did not answer), an exception (the unit answered "no": illegal address...),
 * a protocol error (CRC, malformed frame) or a link that is down.
 */
export type ModbusFailureKind = 'timeout' | 'exception' | 'protocol' | 'disconnected' | 'backoff';

export class ModbusRequestError extends Error {
  constructor(
    readonly kind: ModbusFailureKind,
    /** Short status for Sample.status: "timeout", "exception 2 (illegal data address)", "crc error", ... */
    readonly status: string,
    message?: string,
  ) {
    super(message ?? status);
    this.name = 'ModbusRequestError';
  }
}

const EXCEPTIONS: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export function exceptionStatus(code: number): string {
  return `exception ${code} (${EXCEPTIONS[code] ?? 'unknown'})`;
}

/** Maps a modbus-serial callback error to our categories. */
export function classifyModbusError(err: unknown): ModbusRequestError {
  if (err instanceof ModbusRequestError) return err;
  const e = err as { name?: string; message?: string; errno?: string; modbusCode?: number } | null;
  const message = e?.message ?? String(err);
  if (typeof e?.modbusCode === 'number') {
    // Gateway exceptions 10/11 mean the unit behind the gateway is silent: a timeout for backoff purposes.
    const kind = e.modbusCode === 11 ? 'timeout' : 'exception';
    return new ModbusRequestError(kind, exceptionStatus(e.modbusCode), message);
  }
  if (e?.name === 'TransactionTimedOutError' || e?.errno === 'ETIMEDOUT' || /timed out/i.test(message)) return new ModbusRequestError('timeout', 'timeout', message);
  if (/crc/i.test(message)) return new ModbusRequestError('protocol', 'crc error', message);
  if (/length|unexpected|invalid|unit id|function code/i.test(message)) return new ModbusRequestError('protocol', 'malformed frame', message);
  if (e?.name === 'PortNotOpenError' || /not open|ECONNREFUSED|ECONNRESET|EPIPE|closed/i.test(message)) return new ModbusRequestError('disconnected', 'disconnected', message);
  return new ModbusRequestError('protocol', 'protocol error', message);
}
