/**
 * The OPC UA connector's options, validated once at creation so a typo in a security policy or a
 * missing PKI folder is reported before any network traffic, naming the bad option.
 */
import { isAbsolute } from 'node:path';

export const SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export type SecurityModeName = (typeof SECURITY_MODES)[number];

/**
 * Policies offered. Basic128Rsa15 and Basic256 are deprecated by the OPC Foundation and rely on
 * RSA PKCS#1 v1.5, which Node 20 disables for decryption (CVE-2023-46809, node-opcua warning
 * W27): they are deliberately not offered.
 */
export const SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;
export type SecurityPolicyName = (typeof SECURITY_POLICIES)[number];

export interface OpcUaUser {
  username: string;
  password: string;
}

export interface OpcUaConnectorOptions {
  /** REQUIRED: the app's PKI folder (in its user data folder, never the cwd). */
  pkiFolder: string;
  securityMode?: SecurityModeName;
  securityPolicy?: SecurityPolicyName;
  /** Username/password login; absent means anonymous. `userName` is accepted as an alias. */
  user?: OpcUaUser | { userName: string; password: string };
  applicationName?: string;
  /** Exponential backoff with jitter between reconnect attempts. */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Per-request timeout (read, browse, create monitored items), ms. */
  requestTimeoutMs?: number;
  /**
   * A subscription that sent neither data nor keep-alive for this long is considered silently
   * stopped and recreated (Node-RED #571). Default: 3 keep-alive periods, at least 5 s.
   */
  watchdogMs?: number;
}

export interface ResolvedOptions {
  pkiFolder: string;
  securityMode: SecurityModeName;
  securityPolicy: SecurityPolicyName;
  user: OpcUaUser | null;
  applicationName: string;
  applicationUri: string;
  reconnect: { initialMs: number; maxMs: number };
  requestTimeoutMs: number;
  watchdogMs: number | null;
}

export class OpcUaOptionsError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`OPC UA option ${option}: ${message}`);
    this.name = 'OpcUaOptionsError';
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new OpcUaOptionsError(name, `must be a positive number of ms, got ${String(value)}`);
  return value;
}

/** A stable URI per application name; the certificate is (re)issued whenever its URI differs. */
export function applicationUriFor(applicationName: string): string {
  return `urn:turash-field:${applicationName.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
}

export function resolveOptions(endpoint: string, options: OpcUaConnectorOptions | undefined): ResolvedOptions {
  if (!/^opc\.tcp:\/\/[^/]+/i.test(endpoint)) throw new OpcUaOptionsError('endpoint', `expected opc.tcp://host:port[/path], got "${endpoint}"`);
  if (!options || typeof options.pkiFolder !== 'string' || options.pkiFolder.trim() === '') {
    throw new OpcUaOptionsError('pkiFolder', 'is required: pass a folder in the application user data folder');
  }
  if (!isAbsolute(options.pkiFolder)) throw new OpcUaOptionsError('pkiFolder', `must be an absolute path (never the current directory), got "${options.pkiFolder}"`);
  const securityMode = options.securityMode ?? 'None';
  if (!SECURITY_MODES.includes(securityMode)) throw new OpcUaOptionsError('securityMode', `must be one of ${SECURITY_MODES.join(', ')}, got "${String(securityMode)}"`);
  const securityPolicy = options.securityPolicy ?? (securityMode === 'None' ? 'None' : 'Basic256Sha256');
  if (!SECURITY_POLICIES.includes(securityPolicy)) {
    throw new OpcUaOptionsError('securityPolicy', `must be one of ${SECURITY_POLICIES.join(', ')}, got "${String(securityPolicy)}"`);
  }
  if ((securityMode === 'None') !== (securityPolicy === 'None')) {
    throw new OpcUaOptionsError('securityPolicy', `securityMode ${securityMode} cannot be combined with securityPolicy ${securityPolicy}`);
  }
  let user: OpcUaUser | null = null;
  if (options.user) {
    const raw = options.user as Partial<OpcUaUser> & { userName?: string };
    const username = raw.username ?? raw.userName;
    if (!username || typeof raw.password !== 'string') throw new OpcUaOptionsError('user', 'needs a username and a password (omit user for anonymous)');
    user = { username, password: raw.password };
  }
  const applicationName = options.applicationName ?? 'Turash Field';
  const initialMs = positive('reconnect.initialMs', options.reconnect?.initialMs, 1000);
  const maxMs = positive('reconnect.maxMs', options.reconnect?.maxMs, 60_000);
  if (maxMs < initialMs) throw new OpcUaOptionsError('reconnect.maxMs', `(${maxMs}) must not be below reconnect.initialMs (${initialMs})`);
  return {
    pkiFolder: options.pkiFolder,
    securityMode,
    securityPolicy,
    user,
    applicationName,
    applicationUri: applicationUriFor(applicationName),
    reconnect: { initialMs, maxMs },
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    watchdogMs: options.watchdogMs === undefined ? null : positive('watchdogMs', options.watchdogMs, 5000),
  };
}
