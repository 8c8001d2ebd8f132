/**
 * A server certificate the app does not trust yet: its thumbprint, subject and validity, to compare
 * with what the server's administrator reads on the server; Trust or Reject (field.md).
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, client } from '../api.ts';

export function CertificateDialog({ thumbprint, message, onDecided, onClose }: { thumbprint: string; message: string; onDecided: (trusted: boolean) => void; onClose: () => void }) {
  const certificates = useQuery({ queryKey: ['field', 'certificates'], queryFn: () => client.field.certificates.list.query() });
  const certificate = certificates.data?.find((c) => c.thumbprint === thumbprint);
  const [error, setError] = useState<string | null>(null);
  const decide = async (trust: boolean) => {
    try {
      if (trust) await client.field.certificates.trust.mutate({ thumbprint });
      else await client.field.certificates.reject.mutate({ thumbprint });
      onDecided(trust);
    } catch (e) {
      setError(apiProblem(e).message);
    }
  };
  return (
    <div className="modal-backdrop">
      <div className="modal cert" role="dialog" aria-label="Server certificate" data-testid="field-cert-dialog" style={{ width: 'min(620px, 92vw)' }}>
        <div className="modal-head">
          <h2>Trust this server?</h2>
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        <div className="modal-body">
          <p style={{ margin: 0 }}>{message}</p>
          <dl>
            <dt>Thumbprint (SHA-1)</dt>
            <dd data-testid="field-cert-thumbprint">{thumbprint.match(/.{1,2}/g)?.join(':')}</dd>
            <dt>Subject</dt>
            <dd>{certificate?.subject ?? '…'}</dd>
            <dt>Application URI</dt>
            <dd>{certificate?.applicationUri ?? '—'}</dd>
            <dt>Valid</dt>
            <dd>{certificate ? `${certificate.validFrom.slice(0, 10)} to ${certificate.validTo.slice(0, 10)}` : '…'}</dd>
          </dl>
          <span className="muted">Compare the thumbprint with the one the server shows before trusting it.</span>
          {error && <div className="field-error">{error}</div>}
        </div>
        <div className="modal-foot">
          <button type="button" className="btn" onClick={() => void decide(false)} data-testid="field-cert-reject">
            Reject
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void decide(true)} data-testid="field-cert-trust">
            Trust and connect
          </button>
        </div>
      </div>
    </div>
  );
}
