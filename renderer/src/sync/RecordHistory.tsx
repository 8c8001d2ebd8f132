/**
 * A record's history: who changed which field when, on this laptop or on another replica (through
 * the hub). Collapsed by default; loads when opened and refreshes when hub changes arrive.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { client } from '../api.ts';

function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'removed';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

export function RecordHistory({ entity, id }: { entity: 'organization' | 'site' | 'flow'; id: string }) {
  const [open, setOpen] = useState(false);
  const history = useQuery({ queryKey: ['sync', 'history', entity, id], queryFn: () => client.sync.history.query({ entity, id }), enabled: open });
  return (
    <section className="card record-history" data-testid={`history-${entity}`}>
      <h3>
        <button type="button" className="link-btn" onClick={() => setOpen(!open)} aria-expanded={open} data-testid={`history-toggle-${entity}`}>
          {open ? '▾' : '▸'} History of this {entity}
        </button>
      </h3>
      {open &&
        (history.isPending ? (
          <p className="muted">Loading…</p>
        ) : (history.data?.length ?? 0) === 0 ? (
          <p className="muted">No changes recorded.</p>
        ) : (
          <ol className="history-list">
            {history.data!.map((h) => (
              <li key={h.seq} data-testid="history-entry">
                <div className="history-head">
                  <strong>{h.actor}</strong>
                  <span className={`history-origin ${h.origin}`}>{h.origin === 'remote' ? 'via hub' : 'this laptop'}</span>
                  <time className="muted" dateTime={h.hlc?.slice(0, 24) ?? h.at} title={h.hlc ?? h.at}>
                    {new Date(h.hlc?.slice(0, 24) ?? h.at).toLocaleString()}
                  </time>
                </div>
                {h.op === 'delete' ? (
                  <span className="error-text">deleted</span>
                ) : (
                  <ul className="history-fields">
                    {Object.entries(h.fields).map(([field, value]) => (
                      <li key={field}>
                        <span className="mono">{field}</span> → {valueText(value)}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        ))}
    </section>
  );
}
