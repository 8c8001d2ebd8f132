/**
 * The desktop shell's encrypted SecretStore, adapted to the ports the core asks for: device
 * passwords for the field service (main/field/secrets.ts `SecretPort`) and the hub token for sync
 * (main/sync/service.ts `TokenVault`). Without OS encryption the field falls back to passwords kept
 * in memory for the session (it says so in the UI) and the hub token stays in the local database,
 * as in the browser host (docs/sync.md): neither is ever written in clear next to the store.
 */
import { SessionSecrets, type SecretPort } from '../field/secrets.ts';
import type { TokenVault } from '../sync/service.ts';
import { HUB_TOKEN, type SecretStore } from './secrets.ts';

export function fieldSecretPort(store: SecretStore): SecretPort {
  if (!store.encryptionAvailable()) return new SessionSecrets();
  return {
    persistent: true,
    get: (name) => store.get(name),
    set: (name, value) => store.set(name, value),
    delete: (name) => store.delete(name),
  };
}

/** undefined: no OS encryption, the core keeps its default (the token in the local database). */
export function hubTokenVault(store: SecretStore): TokenVault | undefined {
  if (!store.encryptionAvailable()) return undefined;
  return {
    get: () => store.get(HUB_TOKEN),
    set: (token) => (token === undefined ? store.delete(HUB_TOKEN) : store.set(HUB_TOKEN, token)),
  };
}
