/**
 * The client's PKI folder and the server-certificate trust flow (field.md "Certificates").
 *
 * Layout (node-opcua's, so UaExpert-style tools and node-opcua agree on it):
 *   <pki>/own/certs/client_certificate.pem   the app's own certificate (self-signed)
 *   <pki>/own/private/private_key.pem        its key (0600)
 *   <pki>/trusted/certs/                     server certificates the user trusted
 *   <pki>/rejected/                          server certificates seen but not trusted (new or rejected)
 *   <pki>/issuers/certs, trusted/crl, ...    CA material, unused by the demo but honoured
 *
 * Certificates are described with Node's own X509Certificate (no openssl, no extra dependency);
 * the thumbprint is the SHA-1 of the DER, lower-case hex, as UaExpert shows it.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';

export interface CertificateDescription {
  /** SHA-1 of the DER, lower-case hex. */
  thumbprint: string;
  subject: string;
  /** The URI in the certificate's subjectAltName (the server's applicationUri), if any. */
  applicationUri: string | null;
  /** ISO 8601. */
  validFrom: string;
  validTo: string;
  pem: string;
}

export type CertificateTrust = 'trusted' | 'rejected';

export interface ServerCertificateEntry extends CertificateDescription {
  status: CertificateTrust;
  /** The file in the PKI folder holding it. */
  file: string;
}

export class CertificateNotFoundError extends Error {
  constructor(readonly thumbprint: string, pkiFolder: string) {
    super(`No server certificate with thumbprint ${thumbprint} in ${pkiFolder} (trusted/certs or rejected)`);
    this.name = 'CertificateNotFoundError';
  }
}

const trustedDir = (pki: string): string => join(pki, 'trusted', 'certs');
const rejectedDir = (pki: string): string => join(pki, 'rejected');

/** Leaf certificate of a DER chain (servers may send the chain concatenated). */
function leafDer(der: Buffer): Buffer {
  // A DER SEQUENCE with a long-form length: 0x30 0x82 <len16>. Certificates above 64 KiB do not exist here.
  if (der.length > 4 && der[0] === 0x30 && der[1] === 0x82) {
    const length = der.readUInt16BE(2) + 4;
    if (length < der.length) return der.subarray(0, length);
  }
  return der;
}

function pemToDer(pem: string): Buffer {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!match) throw new Error('not a PEM certificate');
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

export function describeCertificate(derOrChain: Buffer): CertificateDescription {
  const der = leafDer(derOrChain);
  const x509 = new X509Certificate(der);
  const uri = /URI:([^,\s]+)/.exec(x509.subjectAltName ?? '');
  return {
    thumbprint: x509.fingerprint.replace(/:/g, '').toLowerCase(),
    subject: x509.subject.replace(/\n/g, ', '),
    applicationUri: uri ? uri[1]! : null,
    validFrom: new Date(x509.validFrom).toISOString(),
    validTo: new Date(x509.validTo).toISOString(),
    pem: x509.toString(),
  };
}

function readEntries(dir: string, status: CertificateTrust): ServerCertificateEntry[] {
  if (!existsSync(dir)) return [];
  const entries: ServerCertificateEntry[] = [];
  for (const name of readdirSync(dir)) {
    if (!/\.(pem|der)$/i.test(name)) continue;
    const file = join(dir, name);
    try {
      const raw = readFileSync(file);
      const der = name.toLowerCase().endsWith('.pem') ? pemToDer(raw.toString('utf8')) : raw;
      entries.push({ ...describeCertificate(der), status, file });
    } catch {
      // An unreadable file is not a certificate the user can act on; leave it alone.
    }
  }
  return entries;
}

/** The server certificates the app has seen: trusted ones and rejected (or not yet trusted) ones. */
export function listServerCertificates(pkiFolder: string): { trusted: ServerCertificateEntry[]; rejected: ServerCertificateEntry[] } {
  return { trusted: readEntries(trustedDir(pkiFolder), 'trusted'), rejected: readEntries(rejectedDir(pkiFolder), 'rejected') };
}

function fileNameFor(d: CertificateDescription): string {
  const cn = /CN=([^,]+)/.exec(d.subject)?.[1] ?? 'certificate';
  return `${cn.replace(/[^A-Za-z0-9._-]+/g, '_')}[${d.thumbprint}].pem`;
}

function moveTo(pkiFolder: string, thumbprint: string, target: CertificateTrust): ServerCertificateEntry {
  const wanted = thumbprint.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(wanted)) throw new Error(`Bad thumbprint "${thumbprint}": expected 40 hex digits (SHA-1)`);
  const { trusted, rejected } = listServerCertificates(pkiFolder);
  const all = [...trusted, ...rejected].filter((e) => e.thumbprint === wanted);
  if (all.length === 0) throw new CertificateNotFoundError(wanted, pkiFolder);
  const dir = target === 'trusted' ? trustedDir(pkiFolder) : rejectedDir(pkiFolder);
  mkdirSync(dir, { recursive: true });
  const first = all[0]!;
  const destination = join(dir, fileNameFor(first));
  // Write the new copy first, then remove the others: a crash in between leaves a copy in both
  // folders (never none), and repeating the call cleans up.
  writeFileSync(destination, first.pem);
  for (const e of all) if (e.file !== destination) unlinkSync(e.file);
  return { ...first, status: target, file: destination };
}

export function trustServerCertificate(pkiFolder: string, thumbprint: string): ServerCertificateEntry {
  return moveTo(pkiFolder, thumbprint, 'trusted');
}

export function rejectServerCertificate(pkiFolder: string, thumbprint: string): ServerCertificateEntry {
  return moveTo(pkiFolder, thumbprint, 'rejected');
}

/**
 * The trust decision for a server certificate: trusted, rejected (by the user earlier), or
 * unknown. An unknown certificate is written to rejected/ so the UI can list it and the user can
 * trust it (the node-opcua convention, see #1090).
 */
export function checkServerCertificate(pkiFolder: string, der: Buffer): { verdict: 'trusted' | 'rejected' | 'unknown'; certificate: CertificateDescription } {
  const certificate = describeCertificate(der);
  const { trusted, rejected } = listServerCertificates(pkiFolder);
  if (trusted.some((e) => e.thumbprint === certificate.thumbprint)) return { verdict: 'trusted', certificate };
  if (rejected.some((e) => e.thumbprint === certificate.thumbprint)) return { verdict: 'rejected', certificate };
  mkdirSync(rejectedDir(pkiFolder), { recursive: true });
  writeFileSync(join(rejectedDir(pkiFolder), fileNameFor(certificate)), certificate.pem);
  return { verdict: 'unknown', certificate };
}

export interface ClientPki {
  certificateManager: OPCUACertificateManager;
  certificateFile: string;
  privateKeyFile: string;
  certificate: CertificateDescription;
}

/**
 * The app's own certificate, created on first use with the applicationUri in its subjectAltName
 * (node-opcua warns, and strict servers refuse, when they differ) and re-issued when the
 * applicationUri changed. node-opcua-pki 6.x signs in process (node-opcua-crypto, WebCrypto): no
 * openssl child process, which matters in Electron's main process (node-opcua #1361).
 */
export async function ensureClientPki(pkiFolder: string, applicationName: string, applicationUri: string): Promise<ClientPki> {
  const certificateManager = new OPCUACertificateManager({ rootFolder: pkiFolder, automaticallyAcceptUnknownCertificate: false });
  await certificateManager.initialize();
  const certificateFile = join(pkiFolder, 'own', 'certs', 'client_certificate.pem');
  const privateKeyFile = certificateManager.privateKey;
  let current: CertificateDescription | null = null;
  if (existsSync(certificateFile)) {
    try {
      current = describeCertificate(pemToDer(readFileSync(certificateFile, 'utf8')));
    } catch {
      current = null;
    }
  }
  const expired = current ? Date.parse(current.validTo) < Date.now() + 86_400_000 : true;
  if (!current || current.applicationUri !== applicationUri || expired) {
    const tmp = `${certificateFile}.${process.pid}.tmp`;
    await certificateManager.createSelfSignedCertificate({
      applicationUri,
      subject: `/CN=${applicationName}/O=Turash Field`,
      dns: [hostname()],
      startDate: new Date(Date.now() - 86_400_000),
      validity: 5 * 365,
      outputFile: tmp,
    });
    renameSync(tmp, certificateFile);
    current = describeCertificate(pemToDer(readFileSync(certificateFile, 'utf8')));
  }
  return { certificateManager, certificateFile, privateKeyFile, certificate: current };
}
