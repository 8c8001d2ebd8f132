/**
 * Builds the Core's field service: connectors from connectors/factory.ts, samples into
 * main/ingest's Recorder over the repository's measurement store, and the client PKI folder next
 * to the database (in the user data folder for the application's database, so trust decisions
 * live with the data they protect; a `--db` elsewhere carries its own).
 */
import { dirname, join } from 'node:path';
import { createConnector } from '../../connectors/factory.ts';
import type { Repository } from '../db/repository.ts';
import type { IngestService } from '../ingest/service.ts';
import type { SecretPort } from './secrets.ts';
import { FieldService } from './service.ts';

export { FieldService } from './service.ts';
export type { DeviceState, RecordingState, ValuesEvent } from './service.ts';
export { SessionSecrets, devicePasswordKey, type SecretPort } from './secrets.ts';

export interface FieldOptions {
  /** The OPC UA client's PKI folder; default: `pki/` next to the database file. */
  pkiFolder?: string;
  /** The user's own Modbus device profiles (JSON files); default: `profiles/` next to the database file. */
  profilesFolder?: string;
  /** The desktop app's encrypted secret store; memory for the session otherwise. */
  secrets?: SecretPort;
}

export function pkiFolderFor(databasePath: string): string {
  return join(dirname(databasePath), 'pki');
}

export function profilesFolderFor(databasePath: string): string {
  return join(dirname(databasePath), 'profiles');
}

export function createFieldService(repo: Repository, ingest: IngestService, options: FieldOptions = {}): FieldService {
  return new FieldService({
    repo,
    createConnector,
    // The ingest service owns the recorder (and closes it); the field service only writes to it.
    recorder: { write: (samples) => ingest.recorder.write(samples) },
    evaluateMeasured: (flowId) => ingest.evaluateMeasured(flowId),
    pkiFolder: options.pkiFolder ?? pkiFolderFor(repo.path),
    profilesFolder: options.profilesFolder ?? profilesFolderFor(repo.path),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
}
