/**
 * Endpoint URLs (architecture.md "Command line"): one string names a device and how to reach it,
 * so a CLI argument, a stored device row and the UI's address field all mean the same thing.
 *
 *   opc.tcp://host:port[/path]
 *   modbus-tcp://host:port?unit=1&timeout=1000
 *   modbus-rtu:///dev/ttyUSB0?baud=9600&parity=even&unit=1&dataBits=8&stopBits=1&timeout=500
 *   serial:///dev/ttyUSB0?baud=115200&parser=dsmr|line
 *
 * Bad URLs throw an EndpointError naming the bad part, so "baud=96OO" is reported as such and not
 * as a connection failure ten seconds later.
 */

export type Parity = 'none' | 'even' | 'odd';

export interface OpcUaEndpoint {
  protocol: 'opcua';
  url: string;
  host: string;
  port: number;
  path: string;
}

export interface ModbusTcpEndpoint {
  protocol: 'modbus-tcp';
  url: string;
  host: string;
  port: number;
  unit: number;
  timeoutMs: number;
}

export interface SerialLine {
  path: string;
  baudRate: number;
  parity: Parity;
  dataBits: 5 | 6 | 7 | 8;
  stopBits: 1 | 2;
}

export interface ModbusRtuEndpoint extends SerialLine {
  protocol: 'modbus-rtu';
  url: string;
  unit: number;
  timeoutMs: number;
}

export interface SerialEndpoint extends SerialLine {
  protocol: 'serial';
  url: string;
  parser: 'dsmr' | 'line';
}

export type Endpoint = OpcUaEndpoint | ModbusTcpEndpoint | ModbusRtuEndpoint | SerialEndpoint;

export class EndpointError extends Error {
  constructor(
    readonly url: string,
    readonly part: string,
    message: string,
  ) {
    super(`endpoint "${url}": ${part}: ${message}`);
    this.name = 'EndpointError';
  }
}

const SCHEMES = ['opc.tcp', 'modbus-tcp', 'modbus-rtu', 'serial'] as const;
const QUERY_KEYS: Record<string, readonly string[]> = {
  'opc.tcp': [],
  'modbus-tcp': ['unit', 'timeout'],
  'modbus-rtu': ['unit', 'timeout', 'baud', 'parity', 'dataBits', 'stopBits'],
  serial: ['baud', 'parity', 'dataBits', 'stopBits', 'parser'],
};

/** Parses an endpoint URL; throws EndpointError naming the bad part. */
export function parseEndpoint(url: string): Endpoint {
  const raw = url.trim();
  const schemeMatch = /^([a-z.+-]+):\/\//i.exec(raw);
  if (!schemeMatch) throw new EndpointError(url, 'scheme', `expected one of ${SCHEMES.map((s) => `${s}://`).join(', ')}`);
  const scheme = schemeMatch[1]!.toLowerCase();
  if (!(SCHEMES as readonly string[]).includes(scheme)) {
    throw new EndpointError(url, 'scheme', `unknown scheme "${scheme}", expected one of ${SCHEMES.join(', ')}`);
  }
  const rest = raw.slice(schemeMatch[0].length);
  const qIndex = rest.indexOf('?');
  const beforeQuery = qIndex === -1 ? rest : rest.slice(0, qIndex);
  const query = new URLSearchParams(qIndex === -1 ? '' : rest.slice(qIndex + 1));
  const allowed = QUERY_KEYS[scheme]!;
  for (const key of query.keys()) {
    if (!allowed.includes(key)) {
      throw new EndpointError(url, `parameter "${key}"`, allowed.length ? `not known for ${scheme}://, expected ${allowed.join(', ')}` : `${scheme}:// takes no parameters`);
    }
  }
  const q = (key: string): string | undefined => query.get(key) ?? undefined;

  if (scheme === 'opc.tcp' || scheme === 'modbus-tcp') {
    const slash = beforeQuery.indexOf('/');
    const authority = slash === -1 ? beforeQuery : beforeQuery.slice(0, slash);
    const path = slash === -1 ? '' : beforeQuery.slice(slash);
    const { host, port } = parseAuthority(url, authority, scheme === 'opc.tcp' ? 4840 : 502);
    if (scheme === 'opc.tcp') return { protocol: 'opcua', url: raw, host, port, path };
    if (path && path !== '/') throw new EndpointError(url, 'path', `modbus-tcp:// takes no path, got "${path}"`);
    return { protocol: 'modbus-tcp', url: raw, host, port, unit: unitOf(url, q('unit')), timeoutMs: intParam(url, 'timeout', q('timeout'), 1000, 1, 600_000) };
  }

  // Serial schemes: the path is the device (/dev/ttyUSB0, /tmp/x/a or COM3 written as serial:///COM3).
  let path = beforeQuery;
  if (!path.startsWith('/')) throw new EndpointError(url, 'device path', `expected ${scheme}:///dev/ttyUSB0 (three slashes: no host), got "${beforeQuery}"`);
  if (/^\/COM\d+$/i.test(path)) path = path.slice(1);
  if (path === '/' || path.length < 2) throw new EndpointError(url, 'device path', 'missing (e.g. /dev/ttyUSB0)');
  const line = serialLineOf(url, path, q, scheme === 'serial' ? 115_200 : 9600);
  if (scheme === 'modbus-rtu') {
    return { protocol: 'modbus-rtu', url: raw, ...line, unit: unitOf(url, q('unit')), timeoutMs: intParam(url, 'timeout', q('timeout'), 500, 1, 600_000) };
  }
  const parser = q('parser') ?? 'line';
  if (parser !== 'dsmr' && parser !== 'line') throw new EndpointError(url, 'parameter "parser"', `expected dsmr or line, got "${parser}"`);
  return { protocol: 'serial', url: raw, ...line, parser };
}

function parseAuthority(url: string, authority: string, defaultPort: number): { host: string; port: number } {
  if (!authority) throw new EndpointError(url, 'host', 'missing');
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-f:.]+)\](?::(.*))?$/i.exec(authority);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) throw new EndpointError(url, 'host', `"${authority}" is not host:port`);
    host = parts[0]!;
    portText = parts[1];
  }
  if (!host) throw new EndpointError(url, 'host', 'missing');
  if (!/^[A-Za-z0-9._:-]+$/.test(host)) throw new EndpointError(url, 'host', `"${host}" is not a host name or address`);
  const port = portText === undefined ? defaultPort : intParam(url, 'port', portText, defaultPort, 1, 65_535);
  return { host, port };
}

function serialLineOf(url: string, path: string, q: (k: string) => string | undefined, defaultBaud: number): SerialLine {
  const baudRate = intParam(url, 'baud', q('baud'), defaultBaud, 50, 4_000_000);
  const parityText = (q('parity') ?? 'none').toLowerCase();
  const parityMap: Record<string, Parity> = { none: 'none', n: 'none', even: 'even', e: 'even', odd: 'odd', o: 'odd' };
  const parity = parityMap[parityText];
  if (!parity) throw new EndpointError(url, 'parameter "parity"', `expected none, even or odd, got "${q('parity')}"`);
  const dataBits = intParam(url, 'dataBits', q('dataBits'), 8, 5, 8) as SerialLine['dataBits'];
  const stopBits = intParam(url, 'stopBits', q('stopBits'), 1, 1, 2) as SerialLine['stopBits'];
  return { path, baudRate, parity, dataBits, stopBits };
}

function unitOf(url: string, text: string | undefined): number {
  // 0 is broadcast (no reply), 248..255 reserved: a reading needs 1..247 (TCP gateways often use 255; allowed there).
  return intParam(url, 'unit', text, 1, 0, 255);
}

function intParam(url: string, name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const part = name === 'port' ? 'port' : `parameter "${name}"`;
  if (!/^\d+$/.test(text)) throw new EndpointError(url, part, `"${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new EndpointError(url, part, `${n} is outside ${min}..${max}`);
  return n;
}

/** The URL of an endpoint, canonical (defaults written out): what a device row stores. */
export function formatEndpoint(e: Endpoint): string {
  switch (e.protocol) {
    case 'opcua':
      return `opc.tcp://${hostPart(e.host)}:${e.port}${e.path}`;
    case 'modbus-tcp':
      return `modbus-tcp://${hostPart(e.host)}:${e.port}?unit=${e.unit}&timeout=${e.timeoutMs}`;
    case 'modbus-rtu':
      return `modbus-rtu://${e.path.startsWith('/') ? '' : '/'}${e.path}?baud=${e.baudRate}&parity=${e.parity}&dataBits=${e.dataBits}&stopBits=${e.stopBits}&unit=${e.unit}&timeout=${e.timeoutMs}`;
    case 'serial':
      return `serial://${e.path.startsWith('/') ? '' : '/'}${e.path}?baud=${e.baudRate}&parity=${e.parity}&dataBits=${e.dataBits}&stopBits=${e.stopBits}&parser=${e.parser}`;
  }
}

const hostPart = (host: string): string => (host.includes(':') ? `[${host}]` : host);
