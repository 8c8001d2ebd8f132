/**
 * The sync dialog: sign in to a hub (URL, email, password), choose a workspace, sync now, sign
 * out, and the sync problems (records whose merged state could not be applied, with the reason).
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { apiProblem, client } from '../api.ts';
import type { SyncView } from './SyncStatus.tsx';

export function SyncDialog({ view, onClose }: { view: SyncView | undefined; onClose(): void }) {
  const [hub, setHub] = useState(view?.hub ?? '');
  const [email, setEmail] = useState(view?.email ?? '');
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), []);
  // Escape closes the dialog wherever the focus is (a disabled button drops it to the page).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  const problems = useQuery({ queryKey: ['sync', 'problems', view?.problems], queryFn: () => client.sync.problems.query(), enabled: (view?.problems ?? 0) > 0 });
  const fail = (error: unknown) => setMessage(apiProblem(error).message);
  const signIn = useMutation({
    mutationFn: () => client.sync.signIn.mutate({ hub: hub.trim(), email: email.trim(), password }),
    onSuccess: () => {
      setPassword('');
      setMessage(null);
    },
    onError: fail,
  });
  const choose = useMutation({ mutationFn: (workspace: string) => client.sync.selectWorkspace.mutate({ workspace }), onError: fail });
  const syncNow = useMutation({
    mutationFn: () => client.sync.syncNow.mutate(),
    onSuccess: (r) => setMessage(`Pushed ${r.pushed}, pulled ${r.pulled} (${r.applied} applied)${r.repaired ? '; a difference was found and repaired' : ''}.`),
    onError: fail,
  });
  const signOut = useMutation({ mutationFn: () => client.sync.signOut.mutate(), onError: fail });
  // Ends every session of this account on the hub (a lost laptop, a password seen by someone).
  const signOutEverywhere = useMutation({
    mutationFn: () => client.sync.signOutEverywhere.mutate(),
    onSuccess: () => setMessage('Signed out on every device: each one has to sign in again.'),
    onError: fail,
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };

  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal sync-dialog" role="dialog" aria-modal="true" aria-labelledby="sync-title" tabIndex={-1} ref={dialog} data-testid="sync-dialog">
        <div className="modal-head">
          <h2 id="sync-title">Sync with a hub</h2>
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close" data-testid="sync-close">
            ×
          </button>
        </div>
        <div className="modal-body">
          {!view?.signedIn ? (
            <form className="sync-form" onSubmit={submit} data-testid="sync-signin">
              <p className="muted">Your team's hub keeps the regional picture in step. Private organizations (and their sites and flows) and raw measurements never leave this laptop.</p>
              <label>
                Hub address
                <input value={hub} onChange={(e) => setHub(e.target.value)} placeholder="http://hub.example.org:8090/trpc" required data-testid="sync-hub" />
              </label>
              <label>
                Email
                <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" required data-testid="sync-email" />
              </label>
              <label>
                Password
                <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required data-testid="sync-password" />
              </label>
              <div className="form-actions">
                <button type="submit" className="btn btn-primary" disabled={signIn.isPending} data-testid="sync-signin-submit">
                  {signIn.isPending ? 'Signing in…' : 'Sign in'}
                </button>
              </div>
            </form>
          ) : (
            <>
              <dl className="sync-facts">
                <dt>Hub</dt>
                <dd className="mono">{view.hub}</dd>
                <dt>Signed in as</dt>
                <dd data-testid="sync-email-shown">{view.email}</dd>
                <dt>Workspace</dt>
                <dd>
                  <select value={view.workspace?.id ?? ''} onChange={(e) => e.target.value && choose.mutate(e.target.value)} disabled={choose.isPending} data-testid="sync-workspace">
                    {!view.workspace && <option value="">Choose…</option>}
                    {view.workspaces.map((w) => (
                      <option key={w.id} value={w.id}>
                        {w.name} ({w.role})
                      </option>
                    ))}
                  </select>
                </dd>
                <dt>Pending</dt>
                <dd>
                  {view.pending} change{view.pending === 1 ? '' : 's'} to push{view.held > 0 && <span className="muted"> · {view.held} kept on this laptop (private)</span>}
                </dd>
                <dt>Last sync</dt>
                <dd>{view.lastSync ? new Date(view.lastSync).toLocaleString() : 'never'}</dd>
                <dt>Live</dt>
                <dd>{view.live ? 'connected' : 'not connected'}</dd>
                <dt>Token kept in</dt>
                <dd className="muted">{view.tokenStorage}</dd>
              </dl>
              {view.lastError && <p className="error-text">{view.lastError}</p>}
              {(problems.data?.length ?? 0) > 0 && (
                <section className="card" data-testid="sync-problems">
                  <h3>Sync problems</h3>
                  <p className="muted">These records arrived from the hub but cannot be shown as they are; they are kept and applied as soon as a later change fixes them.</p>
                  <ul className="sync-problem-list">
                    {problems.data!.map((p) => (
                      <li key={`${p.dataset}/${p.row}`}>
                        <span className="mono">{p.dataset} {p.row}</span>: {p.message}
                      </li>
                    ))}
                  </ul>
                </section>
              )}
            </>
          )}
          {message && (
            <p className={signIn.isError || choose.isError || syncNow.isError || signOut.isError || signOutEverywhere.isError ? 'error-text' : 'muted'} data-testid="sync-message">
              {message}
            </p>
          )}
        </div>
        {view?.signedIn && (
          <div className="modal-foot">
            <button type="button" className="btn" onClick={() => signOut.mutate()} disabled={signOut.isPending} data-testid="sync-signout">
              Sign out
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => signOutEverywhere.mutate()}
              disabled={signOutEverywhere.isPending}
              title="End this account's sessions on every laptop and browser"
              data-testid="sync-signout-everywhere"
            >
              Sign out everywhere
            </button>
            <button type="button" className="btn btn-primary" onClick={() => syncNow.mutate()} disabled={syncNow.isPending || !view.workspace} data-testid="sync-now">
              {syncNow.isPending ? 'Syncing…' : 'Sync now'}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
