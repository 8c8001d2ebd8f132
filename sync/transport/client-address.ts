/**
 * The client's network address, for rate limits, connection caps and logs.
 *
 * By default it is the socket's peer. Behind a reverse proxy every request comes from the proxy,
 * so all clients would share one rate limit; with the proxy's address configured as trusted
 * (`turash hub --trusted-proxy 10.0.0.5`, or a range like 10.0.0.0/8), the address is taken from
 * X-Forwarded-For instead: the rightmost entry that is not itself a trusted proxy. Entries left of
 * it were written by the client and are ignored, so a client cannot pick its own address. Without
 * a trusted peer the header is ignored entirely.
 */
import type http from 'node:http';
import { BlockList, isIP } from 'node:net';

/** ::ffff:10.0.0.5 (IPv4 on a dual-stack socket) is 10.0.0.5. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Parses "10.0.0.5", "10.0.0.0/8", "::1", "fd00::/8"; throws a clear error otherwise. */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(normaliseAddress(address ?? ''));
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    const badPrefix = prefix !== undefined && (prefix === '' || !Number.isInteger(bits) || bits! < 0 || bits! > maxBits);
    if (!family || extra !== undefined || badPrefix) {
      throw new Error(`trusted proxy "${raw}" is not an IP address or CIDR range (for example 10.0.0.5 or 10.0.0.0/8)`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(normaliseAddress(address!), type);
    else list.addSubnet(normaliseAddress(address!), bits, type);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Returns the function that gives a request's client address. */
export function clientAddressResolver(trustedProxies: readonly string[] = []): (req: http.IncomingMessage) => string {
  const list = trustedProxies.length ? trustedProxyList(trustedProxies) : undefined;
  return (req) => {
    const peer = normaliseAddress(req.socket.remoteAddress ?? 'unknown');
    if (!list || !isTrusted(list, peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((hop) => normaliseAddress(hop.trim()))
      .filter((hop) => hop !== '');
    let address = peer;
    while (isTrusted(list, address) && hops.length > 0) {
      const next = hops.pop()!;
      // A trusted proxy writes a real address; anything else means the chain cannot be read
      // further, and the last trusted hop is the best we know.
      if (!isIP(next)) break;
      address = next;
    }
    return address;
  };
}
