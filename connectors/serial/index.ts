/**
 * Serial meters: `createSerialConnector('serial:///dev/ttyUSB0?baud=115200&parser=dsmr')` for DSMR
 * P1 smart meters, `...&parser=line` with a LineFormat for text-line meters.
 */
import { SerialPort } from 'serialport';
import { parseEndpoint, type Endpoint } from '../endpoint.ts';
import { SerialConnector, type SerialConnectorOptions } from './connector.ts';

export { SerialConnector, type SerialConnectorOptions } from './connector.ts';
export { DsmrError, DsmrFramer, buildTelegram, parseTelegram, parseDsmrTime, type DsmrTelegram, type DsmrValue } from './dsmr.ts';
export { lineParser, LineParseError, type LineFormat } from './line-parser.ts';
export { crc16Arc, crc16Modbus } from './crc16.ts';

export function createSerialConnector(endpoint: string | Endpoint, options: SerialConnectorOptions = {}): SerialConnector {
  const ep = typeof endpoint === 'string' ? parseEndpoint(endpoint) : endpoint;
  if (ep.protocol !== 'serial') throw new Error(`endpoint "${ep.url}": not a serial meter endpoint (serial:///dev/...)`);
  return new SerialConnector(ep, options);
}

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/**
 * The serial ports the OS reports (USB adapters, built-in ports). Pseudo-terminals (socat, virtual
 * null-modems) are not listed by SerialPort.list(): the UI must also accept a typed path.
 */
export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  const ports = await SerialPort.list();
  return ports.map((p) => {
    const info: SerialPortInfo = { path: p.path };
    if (p.manufacturer) info.manufacturer = p.manufacturer;
    if (p.serialNumber) info.serialNumber = p.serialNumber;
    if (p.vendorId) info.vendorId = p.vendorId;
    if (p.productId) info.productId = p.productId;
    return info;
  });
}
