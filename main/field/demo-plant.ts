/**
 * The demo plant: A's OPC UA plant (and B's Modbus plant when present) started in this process on
 * 127.0.0.1, and a clearly labelled demo site holding their devices and the flow they meter. Only
 * ever started by an explicit user action ("Start demo plant" in the audit view, `turash
 * simulate`), never by opening the app, so no one mistakes simulated values for a real plant.
 */
import { join } from 'node:path';
import type { Repository } from '../db/repository.ts';
import { devicePasswordKey, type SecretPort } from './secrets.ts';

export const DEMO_ORGANIZATION_ID = 'demo-plant-org';
export const DEMO_SITE_ID = 'demo-plant-site';
export const DEMO_FLOW_ID = 'demo-plant-heat';
export const DEMO_OPCUA_DEVICE_ID = 'demo-plant-opcua';
export const DEMO_MODBUS_DEVICE_ID = 'demo-plant-modbus';

export interface SimulatedPlants {
  opcua: { endpoint: string; nodeIds: Record<string, string>; certificateThumbprint: string } | null;
  modbus: { endpoint: string } | null;
  /** Why a plant did not start (its module is missing, a port is taken, ...). */
  problems: string[];
  close(): Promise<void>;
}

/** Starts the simulator servers (each optional, each on its own port; 0 picks a free one). */
export async function startSimulatedPlants(options: { pkiFolder: string; opcuaPort?: number; modbusPort?: number; opcua?: boolean; modbus?: boolean }): Promise<SimulatedPlants> {
  const closers: (() => Promise<void>)[] = [];
  const problems: string[] = [];
  let opcua: SimulatedPlants['opcua'] = null;
  let modbus: SimulatedPlants['modbus'] = null;
  if (options.opcua !== false) {
    try {
      const { startOpcUaPlant } = await import('../../connectors/simulator/opcua-plant.ts');
      const plant = await startOpcUaPlant({ port: options.opcuaPort ?? 0, pkiFolder: join(options.pkiFolder, 'opcua-plant') });
      opcua = { endpoint: plant.endpoint, nodeIds: plant.nodeIds, certificateThumbprint: plant.certificateThumbprint };
      closers.push(() => plant.close());
    } catch (error) {
      problems.push(`OPC UA demo plant: ${(error as Error).message}`);
    }
  }
  if (options.modbus !== false) {
    try {
      const { startModbusPlant } = await import('../../connectors/simulator/modbus-plant.ts');
      const plant = await startModbusPlant({ port: options.modbusPort ?? 0 });
      modbus = { endpoint: plant.endpoint };
      closers.push(() => plant.close());
    } catch (error) {
      problems.push(`Modbus demo plant: ${(error as Error).message}`);
    }
  }
  return {
    opcua,
    modbus,
    problems,
    close: async () => {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}

/**
 * The demo site (an organization "Demo plant (simulated)", one site, one heat supply flow) and one
 * device per running simulator; endpoints are updated, since the ports change between starts.
 */
export async function ensureDemoSite(repo: Repository, plants: SimulatedPlants, secrets: SecretPort): Promise<{ site_id: string; flow_id: string; device_ids: string[] }> {
  const note = 'Simulated by Turash Field on this computer: not a real plant.';
  // Created once; a later start leaves them as the user left them (the flow may be measured by now).
  const missing = (get: () => Promise<unknown>) => get().then(() => false, () => true);
  if (await missing(() => repo.getOrganization(DEMO_ORGANIZATION_ID))) {
    await repo.createOrganization({ id: DEMO_ORGANIZATION_ID, name: 'Demo plant (simulated)', sector: 'Demo', notes: note });
  }
  if (await missing(() => repo.getSite(DEMO_SITE_ID))) {
    await repo.createSite({ id: DEMO_SITE_ID, organization_id: DEMO_ORGANIZATION_ID, name: 'Demo plant (simulated)', country: 'DE', lat: 51.455, lon: 7.012, notes: note });
  }
  if (await missing(() => repo.getFlow(DEMO_FLOW_ID))) {
    await repo.createFlow({
      id: DEMO_FLOW_ID,
      site_id: DEMO_SITE_ID,
      direction: 'supply',
      type: 'heat',
      name: 'Heat recovery loop (simulated)',
      quantity: { amount: 250, unit: 'kW' },
      provenance: { kind: 'manual', source: note, synthetic: true },
    });
  }
  const device_ids: string[] = [];
  const upsertDevice = async (id: string, fields: Record<string, unknown>) => {
    const existing = await repo.field.listDevices({ site_id: DEMO_SITE_ID });
    if (existing.some((d) => d.id === id)) await repo.field.updateDevice(id, fields);
    else await repo.field.createDevice({ id, site_id: DEMO_SITE_ID, ...fields });
    device_ids.push(id);
  };
  if (plants.opcua) {
    await upsertDevice(DEMO_OPCUA_DEVICE_ID, { name: 'Heat recovery (OPC UA, simulated)', protocol: 'opcua', endpoint: plants.opcua.endpoint, config: { securityMode: 'None', securityPolicy: 'None' } });
    await secrets.delete(devicePasswordKey(DEMO_OPCUA_DEVICE_ID));
  }
  if (plants.modbus) {
    await upsertDevice(DEMO_MODBUS_DEVICE_ID, { name: 'Energy meter (Modbus, simulated)', protocol: 'modbus-tcp', endpoint: plants.modbus.endpoint, profile: 'sdm630' });
  }
  return { site_id: DEMO_SITE_ID, flow_id: DEMO_FLOW_ID, device_ids };
}
