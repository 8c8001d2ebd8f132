/**
 * The Node-side core that every runtime mode hosts (Electron main, browser host, command line):
 * the repository over the local graph and the services built on it.
 */
import type { ApiContext } from './api/trpc.ts';
import { Repository } from './db/repository.ts';
import { createFieldService, type FieldOptions, type FieldService } from './field/index.ts';
import { IngestService } from './ingest/index.ts';
import { ImportJobs } from './portfolio/import-jobs.ts';
import { suggestInWorkers } from './matching/service/analytics.ts';
import { MatchService } from './matching/service/match-service.ts';
import { followFlowChanges, type RematchQueue } from './matching/service/rematch-queue.ts';
import { PacketService } from './packets/service.ts';
import { SyncService, type TokenVault } from './sync/service.ts';
import { MatchAlerts } from './workflow/alerts.ts';

export interface Core {
  repo: Repository;
  imports: ImportJobs;
  matching: MatchService;
  /** Changed flows being re-matched in the background; `idle()` / `settled(ids)` wait for them. */
  rematches: RematchQueue;
  /** New high-scoring matches after any re-match (main/workflow/alerts.ts). */
  alerts: MatchAlerts;
  /** Field connectivity: live devices, values, recordings (main/field). */
  field: FieldService;
  /** Recording into SQLite, aggregates, retention, the measured rule (main/ingest). */
  ingest: IngestService;
  /** Partner packets: PDFs + JSON bundle, rendered in a worker (main/packets). */
  packets: PacketService;
  /** Sync with a hub: sign-in, workspace, live status, history (main/sync). */
  sync: SyncService;
  close(): Promise<void>;
}

export interface CoreOptions {
  /** The matching worker's entry (the Electron bundle has its own built file). */
  matchWorkerUrl?: URL;
  /** The graph analytics worker's entry (the Electron bundle: out/app/analytics-worker.mjs). */
  analyticsWorkerUrl?: URL;
  /** The packet rendering worker's entry (the Electron bundle: out/app/packet-worker.mjs). */
  packetWorkerUrl?: URL;
  /** PKI folder and secret store of the field service. */
  field?: FieldOptions;
  /** Where the hub token is kept (the desktop's SecretStore); default: the local database. */
  syncVault?: TokenVault;
}

export async function openCore(databasePath: string, options: CoreOptions = {}): Promise<Core> {
  const repo = await Repository.open(databasePath);
  const matching = new MatchService(repo, options.matchWorkerUrl);
  // analytics.suggestions reads every match: in a worker thread, so the API answers meanwhile
  const analytics = suggestInWorkers(repo, options.analyticsWorkerUrl);
  const alerts = new MatchAlerts(repo);
  // One digest per full run; single-flow re-matches (edits, syncs, measurements) debounced into one.
  matching.afterSave.add((run) => alerts.after(run));
  const rematches = followFlowChanges(repo, matching);
  const ingest = new IngestService(repo);
  const field = createFieldService(repo, ingest, options.field);
  const packets = new PacketService(repo, options.packetWorkerUrl ? { worker: options.packetWorkerUrl } : {});
  const sync = new SyncService(repo, options.syncVault ? { vault: options.syncVault } : {});
  return {
    repo,
    imports: new ImportJobs(repo),
    matching,
    rematches,
    alerts,
    field,
    ingest,
    packets,
    sync,
    // Recordings end with everything handed over committed before the database closes.
    close: async () => {
      await sync.close();
      await packets.close();
      await field.close();
      await ingest.close();
      // The last changes (an edit, a synced page, a measurement) are re-matched before the database closes.
      await rematches.close();
      // A re-match finishing during the close may have queued an alert check: let it end first.
      await alerts.idle();
      await matching.close();
      await analytics.close();
      await repo.close();
    },
  };
}

export function contextFor(core: Core, options: { actor?: string; updates?: ApiContext['updates'] } = {}): ApiContext {
  return { repo: core.repo, imports: core.imports, matching: core.matching, rematches: core.rematches, alerts: core.alerts, field: core.field, packets: core.packets, sync: core.sync, actor: options.actor ?? 'local user', updates: options.updates };
}
