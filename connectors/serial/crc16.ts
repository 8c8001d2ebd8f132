/**
 * CRC-16 with the reflected polynomial 0xA001 (0x8005): with init 0x0000 it is CRC-16/ARC, the
 * DSMR P1 telegram check; with init 0xFFFF it is CRC-16/MODBUS, the RTU frame check.
 */
export function crc16(data: Uint8Array, init = 0x0000): number {
  let crc = init;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc & 0xffff;
}

export const crc16Arc = (data: Uint8Array): number => crc16(data, 0x0000);
export const crc16Modbus = (data: Uint8Array): number => crc16(data, 0xffff);
