/**
 * Modbus register codec: 16-bit words <-> numbers in the six data types field meters use and the
 * four word/byte orders Modbus Poll offers. The label is the order of the value's big-endian bytes
 * A B C D as they appear on the wire:
 *
 *   ABCD  big-endian                    (registers: AB CD)      SDM630, SunSpec
 *   CDAB  little-endian byte swap = word swap   (CD AB)         many PLCs (Modicon "float swapped")
 *   BADC  big-endian byte swap          (BA DC)
 *   DCBA  little-endian                 (DC BA)
 *
 * For 64-bit values the same rule extends word-wise (CDAB reverses the word order, BADC swaps the
 * bytes in each word, DCBA reverses all bytes). For 16-bit values only the byte swap matters
 * (BADC and DCBA swap the two bytes of the register).
 */

export const DATA_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const;
export type DataType = (typeof DATA_TYPES)[number];
export const ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export type WordOrder = (typeof ORDERS)[number];

export function isDataType(x: unknown): x is DataType {
  return typeof x === 'string' && (DATA_TYPES as readonly string[]).includes(x);
}

export function isWordOrder(x: unknown): x is WordOrder {
  return typeof x === 'string' && (ORDERS as readonly string[]).includes(x);
}

/** Registers a value of this type occupies. */
export function wordCount(type: DataType): number {
  return type === 'float64' ? 4 : type === 'int16' || type === 'uint16' ? 1 : 2;
}

/** Wire bytes <-> big-endian value bytes; every order is its own inverse. */
function permute(bytes: Uint8Array, order: WordOrder): Uint8Array {
  const n = bytes.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const word = i >> 1;
    const lo = i & 1;
    const words = n >> 1;
    let j: number;
    switch (order) {
      case 'ABCD':
        j = i;
        break;
      case 'CDAB':
        j = (words - 1 - word) * 2 + lo;
        break;
      case 'BADC':
        j = word * 2 + (1 - lo);
        break;
      case 'DCBA':
        j = n - 1 - i;
        break;
    }
    out[i] = bytes[j]!;
  }
  return out;
}

function wordsToBytes(words: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 2);
  words.forEach((w, i) => {
    bytes[i * 2] = (w >> 8) & 0xff;
    bytes[i * 2 + 1] = w & 0xff;
  });
  return bytes;
}

/** Decodes the registers of one value (exactly wordCount(type) words, each 0..65535). */
export function decodeWords(words: readonly number[], type: DataType, order: WordOrder = 'ABCD'): number {
  const need = wordCount(type);
  if (words.length !== need) throw new RangeError(`${type} needs ${need} register(s), got ${words.length}`);
  const view = new DataView(permute(wordsToBytes(words), order).buffer);
  switch (type) {
    case 'int16':
      return view.getInt16(0);
    case 'uint16':
      return view.getUint16(0);
    case 'int32':
      return view.getInt32(0);
    case 'uint32':
      return view.getUint32(0);
    case 'float32':
      return view.getFloat32(0);
    case 'float64':
      return view.getFloat64(0);
  }
}

/** Encodes a value into its registers (the simulator and the round-trip tests use it). */
export function encodeValue(value: number, type: DataType, order: WordOrder = 'ABCD'): number[] {
  const bytes = new Uint8Array(wordCount(type) * 2);
  const view = new DataView(bytes.buffer);
  switch (type) {
    case 'int16':
      view.setInt16(0, value);
      break;
    case 'uint16':
      view.setUint16(0, value);
      break;
    case 'int32':
      view.setInt32(0, value);
      break;
    case 'uint32':
      view.setUint32(0, value);
      break;
    case 'float32':
      view.setFloat32(0, value);
      break;
    case 'float64':
      view.setFloat64(0, value);
      break;
  }
  const wire = permute(bytes, order);
  const words: number[] = [];
  for (let i = 0; i < wire.length; i += 2) words.push((wire[i]! << 8) | wire[i + 1]!);
  return words;
}

/**
 * SunSpec "not implemented" markers: a meter that lacks a quantity returns these, and they must
 * become "no value", not -32768 V.
 */
export function isSunSpecNotImplemented(words: readonly number[], type: DataType): boolean {
  if (type === 'int16') return words[0] === 0x8000;
  if (type === 'uint16') return words[0] === 0xffff;
  if (type === 'int32') return words[0] === 0x8000 && words[1] === 0;
  if (type === 'uint32') return words[0] === 0xffff && words[1] === 0xffff;
  if (type === 'float32') return words[0] === 0x7fc0 && words[1] === 0;
  return false;
}

/** SunSpec value = raw * 10^sf, sf an int16 register (range -10..10 by the spec). */
export function applySunSpecScale(raw: number, scaleFactor: number): number {
  // Multiply or divide by an exact power of ten so 2301 * 10^-1 prints as 230.1, not 230.10000000000002.
  return scaleFactor >= 0 ? raw * 10 ** scaleFactor : raw / 10 ** -scaleFactor;
}

/** Every display format of Modbus Poll for the registers starting at `index` (register scan preview). */
export function previewAt(words: readonly number[], index: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const type of DATA_TYPES) {
    const n = wordCount(type);
    const slice = words.slice(index, index + n);
    for (const order of ORDERS) {
      if (n === 1 && (order === 'CDAB' || order === 'DCBA')) continue; // same as ABCD / BADC for one register
      out[n === 1 ? `${type}${order === 'BADC' ? '_swapped' : ''}` : `${type}_${order}`] = slice.length === n ? decodeWords(slice, type, order) : null;
    }
  }
  return out;
}
