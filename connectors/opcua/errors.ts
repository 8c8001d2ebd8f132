/** Errors a user acts on: each carries what the UI needs to show and decide. */
import type { CertificateDescription } from './pki.ts';

/**
 * The server presented a certificate the app does not trust (new, or rejected by the user).
 * Connecting fails fast with this instead of retrying: only the user can decide, by calling
 * trustServerCertificate(pkiFolder, thumbprint) (or rejectServerCertificate) and connecting again.
 */
export class UntrustedCertificateError extends Error {
  readonly thumbprint: string;
  readonly subject: string;
  readonly applicationUri: string | null;
  readonly validFrom: string;
  readonly validTo: string;
  readonly pem: string;
  constructor(
    readonly endpoint: string,
    readonly certificate: CertificateDescription,
    /** 'unknown': seen for the first time (now listed under rejected); 'rejected': the user rejected it. */
    readonly verdict: 'unknown' | 'rejected',
  ) {
    super(
      verdict === 'rejected'
        ? `The server certificate of ${endpoint} (${certificate.subject}, thumbprint ${certificate.thumbprint}) was rejected; trust it to connect`
        : `The server certificate of ${endpoint} (${certificate.subject}, thumbprint ${certificate.thumbprint}) is not trusted yet; compare the thumbprint with the server's and trust it to connect`,
    );
    this.name = 'UntrustedCertificateError';
    this.thumbprint = certificate.thumbprint;
    this.subject = certificate.subject;
    this.applicationUri = certificate.applicationUri;
    this.validFrom = certificate.validFrom;
    this.validTo = certificate.validTo;
    this.pem = certificate.pem;
  }
}

/** No endpoint of the server offers the requested security mode and policy. */
export class EndpointNotFoundError extends Error {
  constructor(
    readonly endpoint: string,
    readonly securityMode: string,
    readonly securityPolicy: string,
    readonly offered: { securityMode: string; securityPolicy: string }[],
  ) {
    super(
      `${endpoint} offers no endpoint with security ${securityMode} / ${securityPolicy}; it offers ${offered.map((o) => `${o.securityMode} / ${o.securityPolicy}`).join(', ') || 'none'}`,
    );
    this.name = 'EndpointNotFoundError';
  }
}
