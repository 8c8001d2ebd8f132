/**
 * The desktop app's update state in the header: download progress, "Restart to update" when an
 * update is ready (deferred with the reason while a recording or a sync runs), and the
 * stable/beta channel. Renders nothing where there is no updater (browser host, development).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, client } from '../api.ts';

const POLL_MS = 60_000;

export function UpdateStatus() {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: ['updates', 'status'], queryFn: () => client.updates.status.query(), refetchInterval: POLL_MS });
  const [message, setMessage] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['updates'] });
  const restart = useMutation({
    mutationFn: () => client.updates.restart.mutate(),
    onSuccess: (answer) => setMessage(answer.ok ? null : answer.reason),
    onError: (error) => setMessage(apiProblem(error).message),
    onSettled: refresh,
  });
  const channel = useMutation({
    mutationFn: (next: 'stable' | 'beta') => client.updates.setChannel.mutate({ channel: next }),
    onError: (error) => setMessage(apiProblem(error).message),
    onSettled: refresh,
  });
  const state = status.data;
  if (!state || !state.enabled) return null;
  return (
    <div className="update-status" data-testid="update-status">
      {state.status === 'downloading' && <span className="muted">Downloading update {state.version} ({Math.round(state.percent ?? 0)} %)</span>}
      {state.status === 'ready' && (
        <button type="button" className="btn" onClick={() => restart.mutate()} disabled={restart.isPending} title={state.deferredReason ?? `Install ${state.version} and restart`}>
          Restart to update to {state.version}
        </button>
      )}
      {state.status === 'error' && <span className="error-text" title={state.error}>Update failed</span>}
      {(message ?? state.deferredReason) && <span className="muted">{message ?? state.deferredReason}</span>}
      <select aria-label="Update channel" value={state.channel} onChange={(e) => channel.mutate(e.target.value as 'stable' | 'beta')} disabled={channel.isPending}>
        <option value="stable">Stable</option>
        <option value="beta">Beta</option>
      </select>
    </div>
  );
}
