/**
 * The in-app alert list: one digest per re-match ("37 new matches scoring >= 0.8, 5 of them in
 * your region"), newest first; a digest opens to its matches (best first, a page at a time), and a
 * match opens in the detail. Nothing here depends on desktop notifications.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { client, type Outputs } from '../api.ts';
import { formatDateTime, formatEur, formatScore, label } from '../format.ts';

type Digest = Outputs['workflow']['alerts']['list'][number];
const PAGE = 20;

function DigestMatches({ digest, onOpenMatch }: { digest: Digest; onOpenMatch(id: string): void }) {
  const [limit, setLimit] = useState(PAGE);
  const page = useQuery({
    queryKey: ['workflow', 'alerts', 'matches', digest.id, limit],
    queryFn: () => client.workflow.alerts.matches.query({ digestId: digest.id, limit }),
  });
  if (page.isPending) return <p className="muted small">Loading…</p>;
  if (page.isError) return <p className="error small">Could not load the matches of this digest: {page.error.message}</p>;
  const { items, total } = page.data;
  return (
    <div data-testid="alert-digest-matches">
      {items.length === 0 ? (
        <p className="muted small">None of these matches is stored any more (a later run replaced them).</p>
      ) : (
        <ul>
          {items.map((a) => (
            <li key={a.match_id}>
              <button type="button" className="wf-link" onClick={() => onOpenMatch(a.match_id)} data-testid="alert-item">
                <b>{a.supply_organization}</b> → <b>{a.demand_organization}</b> <span className="muted">{label(a.type)}</span>
                <span className="wf-when">
                  score {formatScore(a.score)} · {formatEur(a.annual_value_eur)}/yr{a.in_region ? ' · in your region' : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {total > items.length && (
        <button type="button" className="btn btn-small" onClick={() => setLimit(limit + PAGE)} data-testid="alert-digest-more">
          Show more ({total - items.length} left)
        </button>
      )}
    </div>
  );
}

export function AlertDigests({ digests, onOpenMatch }: { digests: readonly Digest[]; onOpenMatch(id: string): void }) {
  const [openId, setOpenId] = useState<number | null>(digests.find((d) => !d.seen)?.id ?? null);
  if (digests.length === 0) return <p className="muted">No new matches above the alert threshold since matching first ran.</p>;
  return (
    <ul>
      {digests.map((d) => (
        <li key={d.id} className={d.seen ? '' : 'wf-unseen'} data-testid="alert-digest" data-digest={d.id}>
          <button type="button" className="wf-link" aria-expanded={openId === d.id} onClick={() => setOpenId(openId === d.id ? null : d.id)} data-testid="alert-digest-toggle">
            <b>{d.text}</b>
            <span className="wf-when">{formatDateTime(d.at)}</span>
          </button>
          {openId === d.id && <DigestMatches digest={d} onOpenMatch={onOpenMatch} />}
        </li>
      ))}
    </ul>
  );
}
