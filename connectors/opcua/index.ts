/** The OPC UA connector (field.md "OPC UA"); docs/field-opcua.md explains security, trust and reconnects. */
export { createOpcUaConnector, type OpcUaConnector } from './connector.ts';
export { SECURITY_MODES, SECURITY_POLICIES, OpcUaOptionsError, type OpcUaConnectorOptions, type SecurityModeName, type SecurityPolicyName } from './options.ts';
export { UntrustedCertificateError, EndpointNotFoundError } from './errors.ts';
export {
  listServerCertificates,
  trustServerCertificate,
  rejectServerCertificate,
  describeCertificate,
  CertificateNotFoundError,
  type CertificateDescription,
  type ServerCertificateEntry,
} from './pki.ts';
export { type EndpointInfo } from './discovery.ts';
export { MAX_ITEMS_PER_CALL } from './subscription.ts';
export { OBJECTS_FOLDER } from './browse.ts';
