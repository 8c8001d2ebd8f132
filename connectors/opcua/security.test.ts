/**
 * Security and trust against the real demo plant: SignAndEncrypt (Basic256Sha256) with a user
 * login, the untrusted-certificate flow (fail fast with the thumbprint, trust, connect), a rejected
 * certificate staying rejected, and the app certificate's URI matching its applicationUri.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO_PLANT_USER, startOpcUaPlant, type OpcUaPlant } from '../simulator/opcua-plant.ts';
import {
  UntrustedCertificateError,
  createOpcUaConnector,
  describeCertificate,
  listServerCertificates,
  rejectServerCertificate,
  trustServerCertificate,
  type OpcUaConnector,
} from './index.ts';

let root: string;
let plant: OpcUaPlant;
const open: OpcUaConnector[] = [];

function connectorFor(pki: string, extra: Partial<Parameters<typeof createOpcUaConnector>[1]> = {}): OpcUaConnector {
  const c = createOpcUaConnector(plant.endpoint, {
    pkiFolder: join(root, pki),
    securityMode: 'SignAndEncrypt',
    securityPolicy: 'Basic256Sha256',
    user: { ...DEMO_PLANT_USER },
    requestTimeoutMs: 5000,
    ...extra,
  });
  open.push(c);
  return c;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'turash-opcua-sec-'));
  plant = await startOpcUaPlant({ pkiFolder: join(root, 'server-pki'), tickMs: 200 });
});

after(async () => {
  for (const c of open) await c.close();
  await plant?.close();
  rmSync(root, { recursive: true, force: true });
});

test('an untrusted server certificate fails fast with its thumbprint; after trusting it SignAndEncrypt with a user login connects', async () => {
  const connector = connectorFor('client-a');
  const error = await connector.connect().then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof UntrustedCertificateError, `expected UntrustedCertificateError, got ${String(error)}`);
  assert.equal(error.thumbprint, plant.certificateThumbprint);
  assert.match(error.thumbprint, /^[0-9a-f]{40}$/);
  assert.equal(error.applicationUri, 'urn:turash:demo-plant:opcua');
  assert.equal(error.verdict, 'unknown');
  assert.ok(Date.parse(error.validFrom) < Date.now() && Date.parse(error.validTo) > Date.now());
  assert.match(error.pem, /^-----BEGIN CERTIFICATE-----/);
  assert.match(error.message, new RegExp(plant.certificateThumbprint));
  assert.equal(connector.status().state, 'disconnected');

  const listed = listServerCertificates(join(root, 'client-a'));
  assert.deepEqual(listed.trusted, []);
  assert.deepEqual(listed.rejected.map((c) => c.thumbprint), [plant.certificateThumbprint], 'the new certificate is listed for the user to decide');

  const entry = trustServerCertificate(join(root, 'client-a'), plant.certificateThumbprint.toUpperCase().match(/../g)!.join(':'));
  assert.equal(entry.status, 'trusted');
  assert.deepEqual(listServerCertificates(join(root, 'client-a')).rejected, []);

  await connector.connect();
  assert.equal(connector.status().state, 'connected');
  const [flow] = await connector.read([{ id: 'flow', address: plant.nodeIds.FlowRate! }]);
  assert.equal(flow!.quality, 'good');
});

test('a wrong password is refused with a clear error, the certificate being trusted', async () => {
  const connector = connectorFor('client-a', { user: { username: 'demo', password: 'wrong' } });
  await assert.rejects(connector.connect(), /Cannot connect to opc\.tcp:\/\/127\.0\.0\.1:\d+: .*(BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid)/);
  assert.equal(connector.status().state, 'disconnected');
});

test('Sign (without encryption) works too', async () => {
  const connector = connectorFor('client-a', { securityMode: 'Sign' });
  await connector.connect();
  assert.equal(connector.status().state, 'connected');
});

test('a rejected certificate stays rejected until trusted', async () => {
  const pki = join(root, 'client-b');
  const connector = connectorFor('client-b');
  await assert.rejects(connector.connect(), UntrustedCertificateError);
  rejectServerCertificate(pki, plant.certificateThumbprint);
  const again = await connector.connect().then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(again instanceof UntrustedCertificateError);
  assert.equal(again.verdict, 'rejected');
  assert.match(again.message, /was rejected/);
  assert.deepEqual(listServerCertificates(pki).rejected.map((c) => c.thumbprint), [plant.certificateThumbprint]);
  assert.throws(() => trustServerCertificate(pki, 'ab'.repeat(20)), /No server certificate with thumbprint abab/);
  assert.throws(() => trustServerCertificate(pki, 'not-hex'), /Bad thumbprint "not-hex"/);
});

test("the app certificate's URI is the applicationUri the client announces", () => {
  const pem = readFileSync(join(root, 'client-a', 'own', 'certs', 'client_certificate.pem'), 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64');
  const cert = describeCertificate(der);
  assert.equal(cert.applicationUri, 'urn:turash-field:Turash-Field');
  assert.match(cert.subject, /CN=Turash Field/);
});

test('bad options are refused before any network traffic, naming the option', () => {
  assert.throws(() => createOpcUaConnector(plant.endpoint, { pkiFolder: '' }), /OPC UA option pkiFolder: is required/);
  assert.throws(() => createOpcUaConnector(plant.endpoint, { pkiFolder: 'relative/pki' }), /pkiFolder: must be an absolute path/);
  assert.throws(() => createOpcUaConnector(plant.endpoint, { pkiFolder: root, securityPolicy: 'Basic128Rsa15' as never, securityMode: 'Sign' }), /securityPolicy: must be one of None, Basic256Sha256/);
  assert.throws(() => createOpcUaConnector(plant.endpoint, { pkiFolder: root, securityMode: 'None', securityPolicy: 'Basic256Sha256' }), /cannot be combined/);
  assert.throws(() => createOpcUaConnector('http://x', { pkiFolder: root }), /option endpoint: expected opc\.tcp:\/\//);
});

test('the app certificate is created without an openssl binary (node-opcua #1361: no child process in Electron main)', async () => {
  const { spawnSync } = await import('node:child_process');
  const { pathToFileURL } = await import('node:url');
  const pki = join(root, 'no-openssl');
  const script = [
    `import { ensureClientPki } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'pki.ts')).href)};`,
    `const p = await ensureClientPki(${JSON.stringify(pki)}, 'Turash Field', 'urn:turash-field:Turash-Field');`,
    `await p.certificateManager.dispose();`,
    `console.log(p.certificate.applicationUri);`,
  ].join('\n');
  // PATH empty: any attempt to spawn openssl would fail.
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, PATH: '' }, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /urn:turash-field:Turash-Field/);
});
