/**
 * Import of a portfolio: a Turash exchange JSON file, the CSV tables of one (up to three files at
 * once) or the Hotmaps Industrial Database CSV. The files are read here, uploaded as text with
 * `imports.start`, and the job is followed with the `imports.watch` subscription (progress bar).
 * The end is a summary, or EVERY problem (file, line, record, field, reason) in a table that can be
 * exported as CSV. Nothing is written when there is any problem.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { apiProblem, client, type Outputs } from '../api.ts';
import { downloadCsv, formatCount } from '../format.ts';

/** What `imports.watch` delivers: tracked events, `{ id, data }`. */
type Tracked = Outputs['imports']['watch'] extends AsyncIterable<infer T> ? T : never;
type ImportEvent = Tracked extends { data: infer E } ? E : never;
type Report = Extract<ImportEvent, { kind: 'done' }>['report'];

const MAX_FILES = 3;

type State =
  | { step: 'choose'; error?: string }
  | { step: 'running'; files: string[]; phase: string; done: number; total: number }
  | { step: 'done'; report: Report }
  | { step: 'failed'; files: string[]; message: string };

/** tracked() events arrive as { id, data }. */
function unwrap(value: Tracked): ImportEvent {
  return (value as { data: ImportEvent }).data;
}

export function ImportDialog({ onClose }: { onClose(): void }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<State>({ step: 'choose' });
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const unsubscribe = useRef<(() => void) | null>(null);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    dialog.current?.focus();
    return () => unsubscribe.current?.();
  }, []);

  const start = async (list: FileList | File[]) => {
    const files = [...list];
    if (files.length === 0) return;
    if (files.length > MAX_FILES) {
      setState({ step: 'choose', error: `Choose at most ${MAX_FILES} files at once (the CSV tables of one portfolio: organizations, sites, flows).` });
      return;
    }
    const names = files.map((f) => f.name);
    setState({ step: 'running', files: names, phase: 'uploading', done: 0, total: 0 });
    try {
      const texts = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })));
      const { jobId } = await client.imports.start.mutate({ files: texts });
      const subscription = client.imports.watch.subscribe(
        { jobId },
        {
          onData: (raw) => {
            const event = unwrap(raw);
            if (event.kind === 'progress') setState({ step: 'running', files: names, phase: event.phase, done: event.done, total: event.total });
            else if (event.kind === 'done') {
              setState({ step: 'done', report: event.report });
              if (event.report.ok) void queryClient.invalidateQueries();
            } else setState({ step: 'failed', files: names, message: event.message });
          },
          onError: (error) => setState({ step: 'failed', files: names, message: apiProblem(error).message }),
        },
      );
      unsubscribe.current = () => subscription.unsubscribe();
    } catch (error) {
      setState({ step: 'failed', files: names, message: apiProblem(error).message });
    }
  };

  const running = state.step === 'running';
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !running && onClose()}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="import-title"
        tabIndex={-1}
        ref={dialog}
        data-testid="import-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            if (!running) onClose();
          }
        }}
      >
        <header className="modal-head">
          <h2 id="import-title">Import data</h2>
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close" disabled={running}>
            ×
          </button>
        </header>
        <div className="modal-body">
          {state.step === 'choose' && (
            <div
              className={`dropzone ${dragging ? 'dragging' : ''}`}
              onDragOver={(e) => {
                e.preventDefault();
                setDragging(true);
              }}
              onDragLeave={() => setDragging(false)}
              onDrop={(e) => {
                e.preventDefault();
                setDragging(false);
                void start(e.dataTransfer.files);
              }}
            >
              <p>
                <strong>Drop files here</strong> or
              </p>
              <button type="button" className="btn btn-primary" onClick={() => fileInput.current?.click()}>
                Choose files…
              </button>
              <input
                ref={fileInput}
                type="file"
                multiple
                accept=".json,.csv,application/json,text/csv"
                hidden
                data-testid="import-file-input"
                onChange={(e) => e.target.files && void start(e.target.files)}
              />
              <ul className="muted import-help">
                <li>Turash exchange JSON (one file)</li>
                <li>Turash exchange CSV: organizations, sites and flows tables of one portfolio (up to 3 files together)</li>
                <li>Hotmaps Industrial Database CSV (detected from its header)</li>
              </ul>
              <p className="muted">A file with any problem changes nothing: every problem is listed so you can fix them in one go.</p>
              {state.error && <div className="form-message error">{state.error}</div>}
            </div>
          )}
          {state.step === 'running' && <Progress {...state} />}
          {state.step === 'failed' && (
            <div className="form-message error" data-testid="import-failed">
              <strong>The import failed.</strong> {state.message}
              <div className="muted">Files: {state.files.join(', ')}. Nothing was changed.</div>
            </div>
          )}
          {state.step === 'done' && (state.report.ok ? <Summary report={state.report} /> : <Problems report={state.report} />)}
        </div>
        <footer className="modal-foot">
          {(state.step === 'done' || state.step === 'failed') && (
            <button type="button" className="btn" onClick={() => setState({ step: 'choose' })}>
              Import another…
            </button>
          )}
          <button type="button" className="btn btn-primary" onClick={onClose} disabled={running}>
            {state.step === 'done' && state.report.ok ? 'Done' : 'Close'}
          </button>
        </footer>
      </div>
    </div>
  );
}

function Progress({ files, phase, done, total }: { files: string[]; phase: string; done: number; total: number }) {
  const pct = total > 0 ? Math.round((done / total) * 100) : undefined;
  return (
    <div className="import-progress" data-testid="import-progress">
      <div>
        Importing <b>{files.join(', ')}</b>
      </div>
      <div
        className={`progress ${pct === undefined ? 'indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-label="Import progress"
      >
        <span style={pct === undefined ? undefined : { width: `${pct}%` }} />
      </div>
      <div className="muted">
        {phase === 'writing' && total > 0 ? `Writing records: ${formatCount(done)} of ${formatCount(total)} (${pct} %)` : phase === 'uploading' ? 'Uploading…' : 'Reading and checking…'}
      </div>
    </div>
  );
}

function Summary({ report }: { report: Extract<Report, { ok: true }> }) {
  const s = report.summary;
  return (
    <div className="import-summary" data-testid="import-summary">
      <div className="form-message saved">
        Imported {report.files.join(', ')} <span className="muted">({report.format})</span>
      </div>
      <div className="stat-grid">
        <Stat label="created" value={s.created} testid="import-created" />
        <Stat label="updated" value={s.updated} testid="import-updated" />
        <Stat label="unchanged" value={s.unchanged} testid="import-unchanged" />
        <Stat label="skipped" value={report.skipped.length} testid="import-skipped" />
      </div>
      <p className="muted">
        {formatCount(s.organizations)} organizations, {formatCount(s.sites)} sites, {formatCount(s.flows)} flows in the file(s).
      </p>
      {report.skipped.length > 0 && (
        <>
          <h3 className="table-title">
            Skipped rows <span className="muted">{report.skipped.length}</span>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => downloadCsv('import-skipped.csv', ['line', 'id', 'reason'], report.skipped.map((r) => [r.line, r.id, r.reason]))}
            >
              Export CSV
            </button>
          </h3>
          <div className="table-wrap">
            <table className="data-table">
              <thead>
                <tr>
                  <th>Line</th>
                  <th>Id</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {report.skipped.map((r, i) => (
                  <tr key={i}>
                    <td className="num">{r.line}</td>
                    <td className="mono">{r.id}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

function Stat({ label, value, testid }: { label: string; value: number; testid: string }) {
  return (
    <div className="stat">
      <b data-testid={testid}>{formatCount(value)}</b>
      <span>{label}</span>
    </div>
  );
}

function Problems({ report }: { report: Extract<Report, { ok: false }> }) {
  const rows = report.problems;
  return (
    <div className="import-problems">
      <div className="form-message error" data-testid="import-problems-title">
        <strong>
          {formatCount(rows.length)} problem{rows.length === 1 ? '' : 's'} in {report.files.join(', ')}.
        </strong>{' '}
        Nothing was imported; fix them and import again.
      </div>
      <h3 className="table-title">
        Problems <span className="muted">{rows.length}</span>
        <button
          type="button"
          className="btn btn-small"
          onClick={() =>
            downloadCsv(
              'import-problems.csv',
              ['file', 'line', 'column', 'record', 'field', 'reason'],
              rows.map((p) => [p.file, p.line, p.column, p.record, p.field, p.reason]),
            )
          }
        >
          Export CSV
        </button>
      </h3>
      <div className="table-wrap">
        <table className="data-table" data-testid="import-problems">
          <thead>
            <tr>
              <th>File</th>
              <th>Line</th>
              <th>Record</th>
              <th>Field</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p, i) => (
              <tr key={i}>
                <td>{p.file ?? '–'}</td>
                <td className="num">
                  {p.line ?? '–'}
                  {p.column !== undefined ? `:${p.column}` : ''}
                </td>
                <td className="mono">{p.record ?? '–'}</td>
                <td className="mono">{p.field ?? '–'}</td>
                <td>{p.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
