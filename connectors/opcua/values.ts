/**
 * OPC UA DataValue -> Sample: values decoded to numbers (booleans 0/1, 64-bit integers as the
 * nearest double), the StatusCode mapped to a quality and kept by name, and the source timestamp
 * (the device's) used as the sample time when the server gives one.
 */
import { DataType, type DataValue, type StatusCode, type Variant } from 'node-opcua';
import type { Sample, SampleQuality } from '../types.ts';

function int64ToNumber(value: unknown): number | null {
  // node-opcua represents Int64/UInt64 as [high, low] 32-bit words.
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number') {
    return value[0] * 4294967296 + (value[1] >>> 0);
  }
  if (typeof value === 'bigint') return Number(value);
  return null;
}

/** The numeric value of a scalar variant, or a reason why there is none. */
export function variantToNumber(variant: Variant | null | undefined): { value: number } | { reason: string } {
  if (!variant || variant.dataType === DataType.Null || variant.value === null || variant.value === undefined) return { reason: 'NoValue' };
  if (variant.arrayType !== undefined && variant.arrayType !== 0) return { reason: `NotScalar (${DataType[variant.dataType]} array)` };
  const raw: unknown = variant.value;
  switch (variant.dataType) {
    case DataType.Boolean:
      return { value: raw ? 1 : 0 };
    case DataType.Int64:
    case DataType.UInt64: {
      const n = int64ToNumber(raw);
      return n === null ? { reason: 'BadInt64' } : { value: n };
    }
    default:
      if (typeof raw === 'number') return Number.isFinite(raw) ? { value: raw } : { reason: `NotFinite (${raw})` };
      return { reason: `NotNumeric (${DataType[variant.dataType]})` };
  }
}

export function qualityOf(statusCode: StatusCode): SampleQuality {
  if (statusCode.isGood()) return 'good';
  if (statusCode.isBad()) return 'bad';
  return 'uncertain';
}

/** The StatusCode's name without node-opcua's "(0x...)" suffix, e.g. "BadNodeIdUnknown". */
export function statusName(statusCode: StatusCode): string {
  return statusCode.name;
}

export function dataValueToSample(pointId: string, dataValue: DataValue, receivedMs: number): Sample {
  const statusCode = dataValue.statusCode;
  const sourceMs = dataValue.sourceTimestamp?.getTime() ?? dataValue.serverTimestamp?.getTime() ?? receivedMs;
  let quality = qualityOf(statusCode);
  let value: number | null = null;
  let status: string | undefined = quality === 'good' ? undefined : statusName(statusCode);
  if (quality !== 'bad') {
    const decoded = variantToNumber(dataValue.value);
    if ('value' in decoded) value = decoded.value;
    else {
      quality = 'bad';
      status = decoded.reason;
    }
  }
  return { pointId, sourceMs, receivedMs, value, quality, ...(status ? { status } : {}) };
}
