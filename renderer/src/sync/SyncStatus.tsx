/**
 * Sync in the header, always visible: the state (not connected, syncing, synced, offline, error),
 * the pending count and the last sync; a click opens the sync dialog. It also listens for records
 * changed by the hub and refreshes what the UI shows, so another laptop's edit appears without a
 * reload.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { client, type Outputs } from '../api.ts';
import { SyncDialog } from './SyncDialog.tsx';

export type SyncView = Outputs['sync']['status'];

function timeOf(iso: string | null): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : date.toLocaleString();
}

/** One word for the state, and the colour class of the dot. */
export function describe(view: SyncView | undefined): { text: string; tone: 'off' | 'busy' | 'ok' | 'warn' | 'bad' } {
  if (!view) return { text: 'Sync…', tone: 'off' };
  if (!view.signedIn) return { text: 'Not connected', tone: 'off' };
  if (!view.workspace) return { text: 'Choose a workspace', tone: 'warn' };
  if (view.state === 'error') return { text: 'Sync error', tone: 'bad' };
  if (view.state === 'offline') return { text: 'Offline', tone: 'warn' };
  if (view.state === 'syncing') return { text: 'Syncing…', tone: 'busy' };
  return { text: view.live ? 'Synced' : view.state === 'stopped' || view.state === 'idle' ? 'Paused' : 'Synced', tone: view.live ? 'ok' : 'warn' };
}

export function useSyncView(): SyncView | undefined {
  const [view, setView] = useState<SyncView>();
  const queryClient = useQueryClient();
  useEffect(() => {
    const status = client.sync.watch.subscribe(undefined, { onData: (next) => setView(next as SyncView) });
    // Hub changes: refresh every open view (lists, map, details, counts, history).
    const changes = client.sync.changes.subscribe(undefined, { onData: () => void queryClient.invalidateQueries() });
    return () => {
      status.unsubscribe();
      changes.unsubscribe();
    };
  }, [queryClient]);
  return view;
}

export function SyncStatus() {
  const view = useSyncView();
  const [open, setOpen] = useState(false);
  const { text, tone } = describe(view);
  const title = view?.lastError ?? (view?.signedIn ? `${view.email} · ${view.workspace?.name ?? 'no workspace'} · ${view.hub}` : 'Sign in to a hub to share this portfolio with your team');
  return (
    <>
      <button type="button" className={`sync-status tone-${tone}`} onClick={() => setOpen(true)} title={title} data-testid="sync-status">
        <span className="sync-dot" aria-hidden="true" />
        <span data-testid="sync-state">{text}</span>
        {view?.signedIn && (
          <span className="muted" data-testid="sync-pending">
            {view.pending} pending · {timeOf(view.lastSync)}
          </span>
        )}
        {view && view.problems > 0 && <span className="sync-problems">{view.problems} problem{view.problems > 1 ? 's' : ''}</span>}
      </button>
      {/* Rendered into <body>: inside the header it would inherit the header's colours. */}
      {open && createPortal(<SyncDialog view={view} onClose={() => setOpen(false)} />, document.body)}
    </>
  );
}
