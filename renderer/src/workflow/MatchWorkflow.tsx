/**
 * The facilitator's work on one match, under its lifecycle in the match detail: the reservation
 * (lapsed reservations flagged, extended with a date), notes, partner packets (produce them with
 * the packets service, download, record who got them) and the meters that verify a contracted or
 * live exchange (M&V).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, client, type Outputs } from '../api.ts';
import { formatDateTime, formatEur, formatNumber, formatPercent, label } from '../format.ts';
import { keys } from '../cache/keys.ts';
import type { MatchWithEvents } from '../matching/model.ts';
import { reminderText } from './WorkflowBar.tsx';
import './workflow.css';

type Generated = Outputs['packets']['generate'];

const DAY = 86_400_000;

/**
 * After a note, a packet sent, an extended reservation or a meter bound: this match (its audit
 * trail, its reservation), its own workflow lists, the reminders and the impact report (refetched
 * only while shown). The match lists and the map do not show any of it.
 */
function useRefresh(matchId: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: keys.matches.get(matchId) }),
      queryClient.invalidateQueries({ queryKey: keys.matchWorkflow(matchId) }),
      queryClient.invalidateQueries({ queryKey: keys.workflow.reminders }),
      queryClient.invalidateQueries({ queryKey: keys.workflow.impact }),
    ]);
}

function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <div className="form-message error" data-testid="workflow-error">
      {error}
    </div>
  ) : null;
}

const problemText = (e: unknown) => {
  const p = apiProblem(e);
  if (p.code === 'CONFLICT') return 'Someone else changed this match since you opened it: reload it, then try again.';
  return p.fields.length ? p.fields.map((f) => f.message).join('; ') : p.message;
};

export function MatchWorkflow({ m }: { m: MatchWithEvents }) {
  // A lifecycle move (made in the card above) refreshes the reminders and impact itself (cache/lifecycle.ts).
  return (
    <>
      {m.status === 'reserved' && <Reservation m={m} />}
      <Packets m={m} />
      <Notes m={m} />
      {(m.status === 'contracted' || m.status === 'live') && <Meters m={m} />}
    </>
  );
}

function Reservation({ m }: { m: MatchWithEvents }) {
  const refresh = useRefresh(m.id);
  const until = m.reserved_until ? Date.parse(m.reserved_until) : NaN;
  const left = until - Date.now();
  const expired = left <= 0;
  const daysLeft = left >= 0 ? Math.ceil(left / DAY) : -Math.ceil(-left / DAY);
  const [date, setDate] = useState(() => new Date(Math.max(until, Date.now()) + 30 * DAY).toISOString().slice(0, 10));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const extend = async () => {
    setBusy(true);
    setError(null);
    try {
      await client.workflow.reservations.extend.mutate({ matchId: m.id, version: m.version, reserved_until: new Date(`${date}T23:59:59`).toISOString() });
      await refresh();
    } catch (e) {
      setError(problemText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className={`card wf-reservation ${expired ? 'wf-expired-card' : daysLeft <= 7 ? 'wf-soon-card' : ''}`} data-testid="reservation">
      <h3>Reservation</h3>
      <p data-testid="reservation-state">
        Reserved until <b>{formatDateTime(m.reserved_until)}</b>: <span className={expired ? 'wf-expired' : ''}>{reminderText({ days_left: daysLeft, expired })}</span>
      </p>
      {expired && <p className="muted small">The reservation has lapsed but nothing changed on its own: extend it, or move the match back to negotiating (above) to release the supply.</p>}
      <div className="wf-inline">
        <label htmlFor="extend-until">Extend until</label>
        <input id="extend-until" type="date" value={date} onChange={(e) => setDate(e.target.value)} data-testid="extend-until" />
        <button type="button" className="btn btn-small" onClick={() => void extend()} disabled={busy || !date} data-testid="extend-reservation">
          Extend
        </button>
      </div>
      <ErrorLine error={error} />
    </section>
  );
}

function Notes({ m }: { m: MatchWithEvents }) {
  const notes = useQuery({ queryKey: ['match-workflow', m.id, 'notes'], queryFn: () => client.workflow.notes.list.query({ matchId: m.id }) });
  const refresh = useRefresh(m.id);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async () => {
    setError(null);
    try {
      await client.workflow.notes.add.mutate({ matchId: m.id, text });
      setText('');
      await refresh();
    } catch (e) {
      setError(problemText(e));
    }
  };
  return (
    <section className="card" data-testid="notes">
      <h3>Notes</h3>
      <textarea rows={2} value={text} onChange={(e) => setText(e.target.value)} placeholder="A call, a site visit, what the partner said…" aria-label="New note" data-testid="note-text" />
      <div className="form-actions">
        <span className="muted small">Kept with the match and in its audit trail.</span>
        <button type="button" className="btn btn-small btn-primary" onClick={() => void add()} disabled={!text.trim()} data-testid="note-add">
          Add note
        </button>
      </div>
      <ErrorLine error={error} />
      <ul className="wf-notes">
        {(notes.data ?? []).map((n) => (
          <li key={n.id} data-testid="note">
            <span className="mono muted">
              {formatDateTime(n.at)} · {n.actor}
            </span>
            <span className="wf-note-text">{n.text}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

async function downloadPacketFile(name: string): Promise<void> {
  const file = await client.packets.file.query({ name });
  const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: file.mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Packets({ m }: { m: MatchWithEvents }) {
  const sent = useQuery({ queryKey: ['match-workflow', m.id, 'packets'], queryFn: () => client.workflow.packets.list.query({ matchId: m.id }) });
  const refresh = useRefresh(m.id);
  const [generated, setGenerated] = useState<Generated | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const partners = [
    { id: m.supply.organization_id, name: m.supply.organization_name, side: 'supply' },
    { id: m.demand.organization_id, name: m.demand.organization_name, side: 'demand' },
  ];
  const [to, setTo] = useState(partners[1]!.id);
  const [recipient, setRecipient] = useState('');

  const produce = async () => {
    setBusy(true);
    setError(null);
    try {
      setGenerated(await client.packets.generate.mutate({ matchId: m.id }));
    } catch (e) {
      setError(problemText(e));
    } finally {
      setBusy(false);
    }
  };
  const record = async () => {
    if (!generated) return;
    setError(null);
    try {
      const own = generated.files.filter((f) => f.organization_id === to);
      await client.workflow.packets.recordSent.mutate({
        matchId: m.id,
        organization_id: to,
        recipient,
        files: [...own.map((f) => ({ name: f.name, path: f.path, organization_id: f.organization_id, bytes: f.bytes })), { name: generated.bundle_file.name, path: generated.bundle_file.path, bytes: generated.bundle_file.bytes }],
      });
      setRecipient('');
      await refresh();
    } catch (e) {
      setError(problemText(e));
    }
  };

  return (
    <section className="card" data-testid="packets">
      <h3>Partner packets</h3>
      <div className="wf-inline">
        <button type="button" className="btn btn-small btn-primary" onClick={() => void produce()} disabled={busy} data-testid="packets-generate">
          {busy ? 'Producing…' : generated ? 'Produce again' : 'Produce packets'}
        </button>
        <span className="muted small">One PDF per partner and a JSON bundle, with the engine's numbers.</span>
      </div>
      {generated && (
        <ul className="wf-files" data-testid="packet-files">
          {generated.files.map((f) => (
            <li key={f.name} data-testid="packet-file" data-path={f.path}>
              <button type="button" className="wf-link" onClick={() => void downloadPacketFile(f.name)}>
                {f.name}
              </button>{' '}
              <span className="muted">
                for {f.organization} · {formatNumber(f.bytes / 1024)} KB
              </span>
            </li>
          ))}
          <li data-testid="packet-file" data-path={generated.bundle_file.path}>
            <button type="button" className="wf-link" onClick={() => void downloadPacketFile(generated.bundle_file.name)}>
              {generated.bundle_file.name}
            </button>{' '}
            <span className="muted">machine-readable bundle</span>
          </li>
        </ul>
      )}
      {generated && (
        <div className="wf-send" data-testid="packet-send-form">
          <div className="wf-inline">
            <label htmlFor="packet-to">Sent to</label>
            <select id="packet-to" value={to} onChange={(e) => setTo(e.target.value)} data-testid="packet-org">
              {partners.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.side})
                </option>
              ))}
            </select>
          </div>
          <div className="wf-inline">
            <label htmlFor="packet-recipient">Recipient</label>
            <input id="packet-recipient" value={recipient} onChange={(e) => setRecipient(e.target.value)} placeholder="Name, e-mail" data-testid="packet-recipient" />
            <button type="button" className="btn btn-small" onClick={() => void record()} disabled={!recipient.trim()} data-testid="packet-record-sent">
              Record as sent
            </button>
          </div>
        </div>
      )}
      <ErrorLine error={error} />
      {(sent.data ?? []).length > 0 && (
        <>
          <h4>Sent</h4>
          <ul className="wf-notes" data-testid="packets-sent">
            {(sent.data ?? []).map((p) => (
              <li key={p.id} data-testid="packet-sent">
                <span className="mono muted">
                  {formatDateTime(p.sent_at)} · {p.actor}
                </span>
                <span>
                  to <b>{p.recipient}</b> ({p.organization_name}): {p.files.map((f) => f.name).join(', ')}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

const ROLE_OF_POINT: Record<string, 'delivered_total' | 'delivered_rate'> = {
  energy_counter: 'delivered_total',
  volume_counter: 'delivered_total',
  power: 'delivered_rate',
  flow_rate: 'delivered_rate',
  mass_rate: 'delivered_rate',
};

function Meters({ m }: { m: MatchWithEvents }) {
  const bound = useQuery({ queryKey: ['match-workflow', m.id, 'meters'], queryFn: () => client.workflow.meters.list.query({ matchId: m.id }) });
  // Devices are added in the site audit (another panel): look again now and then.
  const candidates = useQuery({ queryKey: ['match-workflow', m.id, 'candidates'], queryFn: () => client.workflow.meters.candidates.query({ matchId: m.id }), refetchInterval: 30_000 });
  // Period of the verification: empty = since the exchange went live (or its first reading) until now.
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const period = { ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}), ...(to ? { to: new Date(`${to}T00:00:00`).toISOString() } : {}) };
  const verification = useQuery({ queryKey: ['match-workflow', m.id, 'verify', period], queryFn: () => client.workflow.meters.verify.query({ matchId: m.id, ...period }) });
  const refresh = useRefresh(m.id);
  const [pointId, setPointId] = useState('');
  const [role, setRole] = useState<'delivered_total' | 'delivered_rate'>('delivered_total');
  const [error, setError] = useState<string | null>(null);
  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      await refresh();
    } catch (e) {
      setError(problemText(e));
    }
  };
  const v = verification.data;
  return (
    <section className="card" data-testid="meters">
      <h3>Measurement and verification</h3>
      {(bound.data ?? []).length === 0 ? (
        <p className="muted">No meter bound: the impact of this exchange is projected, not verified.</p>
      ) : (
        <ul className="wf-notes">
          {(bound.data ?? []).map((b) => (
            <li key={b.point_id} className="wf-meter" data-testid="meter-bound">
              <span>
                <b>{b.point_name}</b> <span className="muted">({b.unit ?? 'no unit'}) as {label(b.role)}</span>
              </span>
              <button type="button" className="btn btn-small" onClick={() => void run(() => client.workflow.meters.unbind.mutate({ matchId: m.id, pointId: b.point_id }))}>
                Unbind
              </button>
            </li>
          ))}
        </ul>
      )}
      {(candidates.data ?? []).length > 0 ? (
        <div className="wf-inline">
          <select
            value={pointId}
            onChange={(e) => {
              setPointId(e.target.value);
              const p = candidates.data?.find((c) => c.id === e.target.value);
              if (p?.role && ROLE_OF_POINT[p.role]) setRole(ROLE_OF_POINT[p.role]!);
            }}
            aria-label="Meter point"
            data-testid="meter-point"
          >
            <option value="">Meter point…</option>
            {(candidates.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.device_name} / {c.name} ({c.unit ?? '?'})
              </option>
            ))}
          </select>
          <select value={role} onChange={(e) => setRole(e.target.value as typeof role)} aria-label="Role" data-testid="meter-role">
            <option value="delivered_total">delivered (counter)</option>
            <option value="delivered_rate">delivered (rate)</option>
          </select>
          <button type="button" className="btn btn-small" disabled={!pointId} onClick={() => void run(() => client.workflow.meters.bind.mutate({ matchId: m.id, pointId, role }))} data-testid="meter-bind">
            Bind
          </button>
        </div>
      ) : (
        <p className="muted small">No meter points at either site yet (add devices in the site audit).</p>
      )}
      <ErrorLine error={error} />
      {(bound.data ?? []).length > 0 && (
        <div className="wf-inline">
          <label htmlFor="mv-from">Period from</label>
          <input id="mv-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="mv-from" />
          <label htmlFor="mv-to">to</label>
          <input id="mv-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="mv-to" />
          <span className="muted small">(empty: since it went live, until now)</span>
        </div>
      )}
      {v && (
        <dl className="kv kv-wide" data-testid="verification">
          <dt>Period</dt>
          <dd>
            {formatDateTime(new Date(v.from_ms).toISOString())} – {formatDateTime(new Date(v.to_ms).toISOString())} · coverage {formatPercent(v.coverage)}
          </dd>
          <dt>Measured</dt>
          <dd>
            {formatNumber(v.measured)} {v.unit} · {formatEur(v.value_eur)} · {formatNumber(v.co2_t)} t CO2
          </dd>
          <dt>Projected</dt>
          <dd>
            {formatNumber(v.projected_for_period)} {v.unit} for the same time {v.ratio !== null && `(measured ${formatPercent(v.ratio, 0)} of it)`}
          </dd>
          {v.problems.length > 0 && (
            <>
              <dt>Problems</dt>
              <dd className="wf-problem">{v.problems.join(' ')}</dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
