/**
 * Types of the site-audit UI, all from the API contract (the renderer imports only types of main/),
 * and the small formatting helpers the views share.
 */
import type { Outputs } from '../api.ts';

export type DeviceEntry = Outputs['field']['devices']['list'][number];
export type Device = DeviceEntry['device'];
export type Point = DeviceEntry['points'][number];
export type DeviceState = Outputs['field']['state'];
export type ConnectorStatus = NonNullable<DeviceState['status']>;
export type LiveValue = Outputs['field']['values']['values'][number];
export type TrendSeries = Outputs['field']['values']['trend'][number];
export type BrowseNode = Outputs['field']['browse'][number];
export type ScanResult = Outputs['field']['scan'];
export type Certificate = Outputs['field']['certificates']['list'][number];

/** What a point can measure for a flow (main/domain/field-entities.ts POINT_ROLES). */
export const ROLES = [
  ['power', 'Power'],
  ['energy_counter', 'Energy counter'],
  ['flow_rate', 'Flow rate'],
  ['supply_temperature', 'Supply temperature'],
  ['return_temperature', 'Return temperature'],
  ['volume_counter', 'Volume counter'],
  ['mass_rate', 'Mass rate'],
  ['other', 'Other'],
] as const;
export type Role = (typeof ROLES)[number][0];

export const SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export const SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;

export function protocolOf(endpoint: string): 'opcua' | 'modbus-tcp' | 'modbus-rtu' | 'serial' | null {
  const scheme = /^([a-z.+-]+):\/\//i.exec(endpoint.trim())?.[1]?.toLowerCase();
  if (scheme === 'opc.tcp') return 'opcua';
  if (scheme === 'modbus-tcp' || scheme === 'modbus-rtu' || scheme === 'serial') return scheme;
  return null;
}

const number = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 3 });
export const formatValue = (value: number | null | undefined) => (value === null || value === undefined ? '—' : number.format(value));
export const formatTime = (ms: number | null | undefined) => (ms ? new Date(ms).toLocaleTimeString('en-GB') : '—');

/** The status in words: "reconnecting (attempt 3, next in 4 s)", "degraded: 2 points failing". */
export function statusText(state: DeviceState | undefined): string {
  if (!state?.status) return state?.connected ? 'connected' : 'not connected';
  const s = state.status;
  if (s.state === 'reconnecting') {
    const next = s.nextAttemptMs ? Math.max(0, Math.round((s.nextAttemptMs - Date.now()) / 1000)) : null;
    return `reconnecting (attempt ${s.attempt ?? '?'}${next !== null ? `, next in ${next} s` : ''})`;
  }
  if (s.state === 'degraded') return `degraded: ${s.failingPoints?.length ?? 0} points failing`;
  if (s.state === 'disconnected' && !state.connected) return 'not connected';
  return s.state;
}
