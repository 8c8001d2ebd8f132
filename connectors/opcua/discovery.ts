/**
 * Endpoint discovery (GetEndpoints over an unsecured channel, as every OPC UA client does first):
 * what the server offers, so the UI can propose the security modes, policies and login types that
 * exist, and show the server certificate's thumbprint before the user trusts it.
 */
import { MessageSecurityMode, OPCUAClient, UserTokenType, type EndpointDescription } from 'node-opcua';
import { describeCertificate, type CertificateDescription, type ClientPki } from './pki.ts';

export interface EndpointInfo {
  url: string;
  securityMode: 'None' | 'Sign' | 'SignAndEncrypt' | 'Invalid';
  securityPolicyUri: string;
  /** The policy's short name (the part after '#'), e.g. Basic256Sha256. */
  securityPolicy: string;
  securityLevel: number;
  userIdentityTokens: { policyId: string; tokenType: 'Anonymous' | 'UserName' | 'Certificate' | 'IssuedToken'; securityPolicyUri: string | null }[];
  /** SHA-1 of the server certificate, lower-case hex; null when the endpoint carries none. */
  serverCertificateThumbprint: string | null;
  serverCertificate: CertificateDescription | null;
}

export function securityModeName(mode: MessageSecurityMode): EndpointInfo['securityMode'] {
  if (mode === MessageSecurityMode.None) return 'None';
  if (mode === MessageSecurityMode.Sign) return 'Sign';
  if (mode === MessageSecurityMode.SignAndEncrypt) return 'SignAndEncrypt';
  return 'Invalid';
}

export function policyName(uri: string | null | undefined): string {
  return (uri ?? '').split('#')[1] ?? '';
}

const TOKEN_TYPES: Record<number, EndpointInfo['userIdentityTokens'][number]['tokenType']> = {
  [UserTokenType.Anonymous]: 'Anonymous',
  [UserTokenType.UserName]: 'UserName',
  [UserTokenType.Certificate]: 'Certificate',
  [UserTokenType.IssuedToken]: 'IssuedToken',
};

export function endpointInfo(e: EndpointDescription): EndpointInfo {
  let certificate: CertificateDescription | null = null;
  if (e.serverCertificate && e.serverCertificate.length > 0) {
    try {
      certificate = describeCertificate(e.serverCertificate);
    } catch {
      certificate = null;
    }
  }
  return {
    url: e.endpointUrl ?? '',
    securityMode: securityModeName(e.securityMode),
    securityPolicyUri: e.securityPolicyUri ?? '',
    securityPolicy: policyName(e.securityPolicyUri),
    securityLevel: e.securityLevel,
    userIdentityTokens: (e.userIdentityTokens ?? []).map((t) => ({
      policyId: t.policyId ?? '',
      tokenType: TOKEN_TYPES[t.tokenType] ?? 'Anonymous',
      securityPolicyUri: t.securityPolicyUri ?? null,
    })),
    serverCertificateThumbprint: certificate?.thumbprint ?? null,
    serverCertificate: certificate,
  };
}

/** GetEndpoints on `endpoint`; fails fast (no retries) when nothing answers. */
export async function discoverEndpoints(endpoint: string, pki: ClientPki, applicationName: string, applicationUri: string, timeoutMs: number): Promise<EndpointDescription[]> {
  const client = OPCUAClient.create({
    applicationName,
    applicationUri,
    clientCertificateManager: pki.certificateManager,
    certificateFile: pki.certificateFile,
    privateKeyFile: pki.privateKeyFile,
    securityMode: MessageSecurityMode.None,
    securityPolicy: 'http://opcfoundation.org/UA/SecurityPolicy#None',
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    transportTimeout: timeoutMs,
    defaultTransactionTimeout: timeoutMs,
  });
  try {
    await client.connect(endpoint);
    return await client.getEndpoints();
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}
