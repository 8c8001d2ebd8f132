/**
 * The facilitator's header tools: the impact dashboard, the reservations reminder badge (ending
 * within 7 days, or lapsed and waiting for a decision) and the new-match alerts: one digest per
 * re-match (a desktop notification when allowed, always the in-app list, AlertDigests.tsx).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { client, type Outputs } from '../api.ts';
import { keys } from '../cache/keys.ts';
import { formatScore, label } from '../format.ts';
import { AlertDigests } from './AlertDigests.tsx';
import { ImpactDashboard } from './ImpactDashboard.tsx';
import { askNotifyPermission, notify, notifyPermission, type NotifyPermission } from './notifications.ts';
import './workflow.css';

export const REMINDER_DAYS = 7;
type Reminder = Outputs['workflow']['reservations']['reminders'][number];

export function reminderText(r: Pick<Reminder, 'days_left' | 'expired'>): string {
  if (r.expired) return r.days_left === 0 ? 'expired today' : `expired ${-r.days_left} day${r.days_left === -1 ? '' : 's'} ago`;
  return r.days_left <= 1 ? 'ends within a day' : `ends in ${r.days_left} days`;
}

export function WorkflowBar({ onOpenMatch }: { onOpenMatch(id: string): void }) {
  const [open, setOpen] = useState<'reminders' | 'alerts' | null>(null);
  const [impact, setImpact] = useState(false);
  const queryClient = useQueryClient();
  const reminders = useQuery({
    queryKey: ['workflow', 'reminders'],
    queryFn: () => client.workflow.reservations.reminders.query({ within_days: REMINDER_DAYS }),
    refetchInterval: 60_000,
  });
  const alerts = useQuery({ queryKey: ['workflow', 'alerts'], queryFn: () => client.workflow.alerts.list.query({ limit: 50 }) });
  const [permission, setPermission] = useState<NotifyPermission>(notifyPermission);
  const openMatch = useRef(onOpenMatch);
  openMatch.current = onOpenMatch;

  // One digest per re-match (a burst of synced edits is one digest): one desktop notification.
  useEffect(() => {
    const sub = client.workflow.alerts.watch.subscribe(undefined, {
      onData: (batch) => {
        void queryClient.invalidateQueries({ queryKey: keys.workflow.alerts });
        // A digest follows a re-match that stored new matches: the lists and counts, not every open detail.
        void queryClient.invalidateQueries({ queryKey: keys.matches.lists });
        void queryClient.invalidateQueries({ queryKey: keys.matches.summary });
        const first = batch.top[0];
        const body = first ? `Best: ${first.supply_organization} → ${first.demand_organization} (${label(first.type)}, score ${formatScore(first.score)})` : '';
        // Clicking opens the best match; the Alerts list holds the rest of the digest.
        notify(batch.digest.text, body, `turash-alerts-${batch.digest.id}`, () => (first ? openMatch.current(first.match_id) : undefined));
      },
      onError: () => undefined,
    });
    return () => sub.unsubscribe();
  }, [queryClient]);

  const list = reminders.data ?? [];
  const expired = list.filter((r) => r.expired).length;
  const unseen = (alerts.data ?? []).filter((a) => !a.seen).length;

  const markSeen = async () => {
    await client.workflow.alerts.markSeen.mutate();
    await queryClient.invalidateQueries({ queryKey: ['workflow', 'alerts'] });
  };

  return (
    <div className="workflow-bar">
      <button type="button" className="btn" onClick={() => setImpact(true)} data-testid="open-impact" title="CO2, value and quantities of contracted and live exchanges">
        Impact
      </button>
      <div className="wf-pop-anchor">
        <button
          type="button"
          className={`btn wf-badge-btn ${expired ? 'wf-alarm' : list.length ? 'wf-warn' : ''}`}
          onClick={() => setOpen(open === 'reminders' ? null : 'reminders')}
          data-testid="reminders-button"
          title={`Reservations ending within ${REMINDER_DAYS} days, or lapsed`}
        >
          Reservations <span className="wf-count" data-testid="reminders-count">{list.length}</span>
        </button>
        {open === 'reminders' && (
          <div className="wf-popover" data-testid="reminders-list" role="dialog" aria-label="Reservation reminders">
            <h4>Reservations ending within {REMINDER_DAYS} days</h4>
            {list.length === 0 ? (
              <p className="muted">None: no reservation ends within {REMINDER_DAYS} days.</p>
            ) : (
              <ul>
                {list.map((r) => (
                  <li key={r.match_id}>
                    <button type="button" className="wf-link" onClick={() => { setOpen(null); onOpenMatch(r.match_id); }} data-testid="reminder-item">
                      <b>{r.supply_organization}</b> → <b>{r.demand_organization}</b> <span className="muted">{label(r.type)}</span>
                      <span className={`wf-when ${r.expired ? 'wf-expired' : ''}`}>{reminderText(r)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <p className="muted small">A lapsed reservation is never released on its own: extend it or move the match back to negotiating.</p>
          </div>
        )}
      </div>
      <div className="wf-pop-anchor">
        <button
          type="button"
          className={`btn wf-badge-btn ${unseen ? 'wf-warn' : ''}`}
          onClick={() => setOpen(open === 'alerts' ? null : 'alerts')}
          data-testid="alerts-button"
          title="New high-scoring matches"
          aria-label={`New matches: ${unseen} unseen`}
        >
          Alerts <span className="wf-count" data-testid="alerts-count">{unseen}</span>
        </button>
        {open === 'alerts' && (
          <div className="wf-popover" data-testid="alerts-list" role="dialog" aria-label="New high-scoring matches">
            <h4>New high-scoring matches</h4>
            {permission === 'default' && (
              <button type="button" className="btn btn-small" onClick={() => void askNotifyPermission().then(setPermission)} data-testid="notify-permission">
                Show them as desktop notifications
              </button>
            )}
            {permission === 'denied' && <p className="muted small">Desktop notifications are blocked for this app; new matches are listed here.</p>}
            <AlertDigests digests={alerts.data ?? []} onOpenMatch={(id) => { setOpen(null); onOpenMatch(id); }} />
            {unseen > 0 && (
              <button type="button" className="btn btn-small" onClick={() => void markSeen()} data-testid="alerts-mark-seen">
                Mark all as seen
              </button>
            )}
          </div>
        )}
      </div>
      {impact && (
        <ImpactDashboard
          onClose={() => setImpact(false)}
          onOpenMatch={(id) => {
            setImpact(false);
            onOpenMatch(id);
          }}
        />
      )}
    </div>
  );
}
