/**
 * One entry point for every protocol: `createConnector(endpoint, options)` picks the driver from
 * the endpoint's URL scheme (architecture.md): opc.tcp:// -> OPC UA, modbus-tcp:// and
 * modbus-rtu:// -> Modbus, serial:// -> line / DSMR P1 meters. Drivers are imported lazily, so a
 * command that only reads Modbus never loads node-opcua (seconds of start-up on a small laptop).
 */
import { parseEndpoint } from './endpoint.ts';
import type { Connector } from './types.ts';

export type Protocol = Connector['protocol'];

/** What any driver may need; each driver reads the options it knows and ignores the rest. */
export interface ConnectorOptions {
  /** OPC UA: the application's PKI folder (own certificate, trusted / rejected server certificates). */
  pkiFolder?: string;
  /** OPC UA: None | Sign | SignAndEncrypt. */
  securityMode?: string;
  /** OPC UA: None | Basic256Sha256 | Aes128_Sha256_RsaOaep | Aes256_Sha256_RsaPss | ... */
  securityPolicy?: string;
  /** OPC UA user identity; absent means anonymous. */
  user?: { userName: string; password: string };
  /** Modbus: the loaded profile (connectors/profiles getProfile); serial: a parser name. */
  profile?: unknown;
  [option: string]: unknown;
}

/** The protocol an endpoint URL speaks; a bad URL throws B's EndpointError naming the bad part. */
export function protocolOf(endpoint: string): Protocol {
  return parseEndpoint(endpoint.trim()).protocol;
}

export async function createConnector(endpoint: string, options: ConnectorOptions = {}): Promise<Connector> {
  const protocol = protocolOf(endpoint);
  if (protocol === 'opcua') {
    const { createOpcUaConnector } = await import('./opcua/index.ts');
    return createOpcUaConnector(endpoint, options as Parameters<typeof createOpcUaConnector>[1]);
  }
  if (protocol === 'modbus-tcp' || protocol === 'modbus-rtu') {
    const { createModbusConnector } = await import('./modbus/index.ts');
    return createModbusConnector(endpoint, options as Parameters<typeof createModbusConnector>[1]);
  }
  const { createSerialConnector } = await import('./serial/index.ts');
  return createSerialConnector(endpoint, options as Parameters<typeof createSerialConnector>[1]);
}
