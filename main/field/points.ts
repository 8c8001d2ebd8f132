/**
 * Point ids: a point is what a device offers at one address (an OPC UA NodeId, a Modbus register),
 * so its id is derived from the device and the address. Adding the same variable twice is then the
 * same point, and a re-created audit on another laptop gets the same ids (the sync merges them).
 */
import { createHash } from 'node:crypto';

export function pointIdFor(deviceId: string, address: string): string {
  const readable = address.replace(/[^A-Za-z0-9._:-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  // Different addresses can read the same once cleaned ("s=A B" vs "s=A_B"): a short hash keeps them apart.
  const hash = createHash('sha1').update(address).digest('hex').slice(0, 8);
  const prefix = `${deviceId}.`.slice(0, 128 - hash.length - 1 - 1);
  return `${prefix}${readable}`.slice(0, 128 - hash.length - 1) + `-${hash}`;
}

/** A device id from its name, unique enough for a site's handful of devices. */
export function deviceIdFor(siteId: string, name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'device';
  const hash = createHash('sha1').update(`${siteId}\n${name}\n${Date.now()}\n${Math.random()}`).digest('hex').slice(0, 6);
  return `dev-${slug.slice(0, 60)}-${hash}`;
}
