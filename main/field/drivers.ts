/**
 * The parts of the drivers the field service uses beyond the Connector contract: OPC UA endpoint
 * discovery and certificate trust (A's connectors/opcua), Modbus profiles and register scans (B's
 * connectors/modbus and connectors/profiles). Imported lazily, so opening the Core does not load
 * node-opcua; kept in one place so a renamed export is one edit.
 */
import { ValidationError } from '../db/errors.ts';
import type { DeviceRecord } from '../db/field-store.ts';
import type { FieldService } from './service.ts';

/**
 * Asks an OPC UA server for its endpoints (GetEndpoints over an unsecured channel, which every
 * server allows), so the connect dialog offers exactly the security modes and policies it has.
 */
export async function discoverEndpoints(endpoint: string, pkiFolder: string) {
  const { createOpcUaConnector } = await import('../../connectors/opcua/index.ts');
  const connector = createOpcUaConnector(endpoint, { pkiFolder });
  try {
    const endpoints = await connector.getEndpoints();
    return endpoints.map(({ serverCertificate, ...rest }) => ({
      ...rest,
      serverCertificate: serverCertificate ? { thumbprint: serverCertificate.thumbprint, subject: serverCertificate.subject, validFrom: serverCertificate.validFrom, validTo: serverCertificate.validTo } : null,
    }));
  } catch (error) {
    throw new Error(`cannot discover the endpoints of ${endpoint}: ${(error as Error).message}`);
  } finally {
    await connector.close().catch(() => undefined);
  }
}

/** Server certificates in the PKI folder: rejected/ holds the new, not yet trusted ones too. */
export function certificateActions(pkiFolder: string) {
  const pki = () => import('../../connectors/opcua/pki.ts');
  const brief = <T extends { pem?: string; file?: string }>({ pem: _pem, file: _file, ...rest }: T) => rest;
  return {
    async list() {
      const { listServerCertificates } = await pki();
      const { trusted, rejected } = listServerCertificates(pkiFolder);
      return [...rejected, ...trusted].map(brief);
    },
    async trust(thumbprint: string) {
      return brief((await pki()).trustServerCertificate(pkiFolder, thumbprint));
    },
    async reject(thumbprint: string) {
      return brief((await pki()).rejectServerCertificate(pkiFolder, thumbprint));
    },
  };
}

export async function listProfiles(userFolder?: string) {
  const { loadProfiles } = await import('../../connectors/profiles/index.ts');
  const { profiles, errors } = loadProfiles(userFolder);
  return {
    profiles: profiles.map((p) => ({ name: p.name, description: p.description, registers: p.registers })),
    errors: errors.map((e) => e.message),
  };
}

export interface ScanRequest {
  function_code: 3 | 4;
  start: number;
  count: number;
  unit_id?: number | undefined;
}

/** A Modbus register scan with every register decoded in every display format. */
export async function scanRegisters(field: FieldService, device: DeviceRecord, request: ScanRequest) {
  const modbus = await import('../../connectors/modbus/index.ts');
  const { parseEndpoint } = await import('../../connectors/endpoint.ts');
  const connector = field.connector(device.id);
  if (!(connector instanceof modbus.ModbusConnector)) throw new Error(`device "${device.name}" is not a Modbus device`);
  const ep = parseEndpoint(device.endpoint) as { unit?: number };
  return modbus.scanRegisters(connector, { unit: request.unit_id ?? ep.unit ?? 1, fc: request.function_code, start: request.start, count: request.count });
}

/** Modbus: the profile named on a device, loaded (shipped or the user's own). */
export async function profileNamed(name: string, userFolder?: string) {
  const { getProfile } = await import('../../connectors/profiles/index.ts');
  return getProfile(name, userFolder);
}

/** Saves one of the user's profiles; an invalid one is refused with every problem named, nothing written. */
export async function saveProfile(userFolder: string | undefined, profile: unknown) {
  if (!userFolder) throw new Error('no folder for user profiles is configured');
  const { saveUserProfile, ProfileError } = await import('../../connectors/profiles/index.ts');
  try {
    const saved = saveUserProfile(userFolder, profile);
    return { name: saved.name, registers: saved.registers.length };
  } catch (error) {
    if (error instanceof ProfileError) throw new ValidationError('profile', error.issues.map((message) => ({ field: error.where, message })));
    throw error;
  }
}

/** A Modbus profile's registers by point address, as point fields (data_type, order, scale, unit). */
export async function profilePointsByAddress(name: string, userFolder?: string) {
  const { profileToPoints } = await import('../../connectors/profiles/index.ts');
  const profile = await profileNamed(name, userFolder);
  const byAddress = new Map<string, { data_type?: 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64'; order?: 'ABCD' | 'CDAB' | 'BADC' | 'DCBA'; scale?: number; unit?: string }>();
  for (const p of profileToPoints(profile)) {
    byAddress.set(p.address, {
      ...(p.dataType ? { data_type: p.dataType as 'float32' } : {}),
      ...(p.order ? { order: p.order } : {}),
      ...(p.scale !== undefined ? { scale: p.scale } : {}),
      ...(p.unit ? { unit: p.unit.slice(0, 20) } : {}),
    });
  }
  return byAddress;
}
