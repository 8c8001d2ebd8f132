/**
 * Modbus TCP and RTU connectors. `createModbusConnector('modbus-tcp://10.0.0.5:502?unit=1')` or
 * `createModbusConnector('modbus-rtu:///dev/ttyUSB0?baud=9600&parity=even&unit=3')`; several
 * connectors on one serial port share that port's bus queue (rtu-bus.ts).
 */
import { parseEndpoint, type Endpoint, type ModbusRtuEndpoint, type ModbusTcpEndpoint } from '../endpoint.ts';
import { ModbusConnector, type ModbusConnectorOptions } from './connector.ts';
import { acquireRtuBus, RtuBusLink } from './rtu-bus.ts';
import { TcpLink } from './tcp-link.ts';
import { getProfile, type Profile } from '../profiles/index.ts';

/** Options of createModbusConnector: a profile by name (shipped or in `profilesFolder`) or as data. */
export type CreateModbusOptions = Omit<ModbusConnectorOptions, 'profile'> & { profile?: Profile | string; profilesFolder?: string };

export { ModbusConnector, decodePoint, type ModbusConnectorOptions } from './connector.ts';
export { DATA_TYPES, ORDERS, decodeWords, encodeValue, previewAt, wordCount, type DataType, type WordOrder } from './codec.ts';
export { planReads, parseRegisterAddress, MAX_REGISTERS_PER_REQUEST, type ReadRequest, type PlannedPoint } from './plan.ts';
export { ModbusRequestError } from './errors.ts';
export { scanRegisters, type ScanResult, type ScanRegister, type RegisterReader } from './scan.ts';
export { silentIntervalMs, lineTimeMs, rtuReadReplyBytes, RTU_READ_REQUEST_BYTES } from './rtu-bus.ts';

export function createModbusConnector(endpoint: string | Endpoint, createOptions: CreateModbusOptions = {}): ModbusConnector {
  const ep = typeof endpoint === 'string' ? parseEndpoint(endpoint) : endpoint;
  const { profile, profilesFolder, ...rest } = createOptions;
  const options: ModbusConnectorOptions = { ...rest, ...(profile !== undefined ? { profile: typeof profile === 'string' ? getProfile(profile, profilesFolder) : profile } : {}) };
  if (ep.protocol === 'modbus-tcp') return createTcp(ep, options);
  if (ep.protocol === 'modbus-rtu') return createRtu(ep, options);
  throw new Error(`endpoint "${ep.url}": not a Modbus endpoint (modbus-tcp:// or modbus-rtu://)`);
}

function createTcp(ep: ModbusTcpEndpoint, options: ModbusConnectorOptions): ModbusConnector {
  const link = new TcpLink({ host: ep.host, port: ep.port, maxInFlight: options.maxInFlight ?? 8, deadAfterTimeouts: options.deadAfterTimeouts ?? 3 });
  return new ModbusConnector(ep, link, options);
}

function createRtu(ep: ModbusRtuEndpoint, options: ModbusConnectorOptions): ModbusConnector {
  const bus = acquireRtuBus(ep, options.unitBackoff);
  return new ModbusConnector(ep, new RtuBusLink(bus), options);
}
