/**
 * Device passwords. In the desktop app they go to the SecretStore of main/app/secrets.ts (the OS
 * keychain through Electron's safeStorage), injected as a `SecretPort`. The browser host and the
 * command line have no keychain, and a password in clear in the database or a file next to it is
 * exactly what must not happen: there the password lives in this process's memory for the session
 * only, and the UI says so (`persistent: false`).
 */
export interface SecretPort {
  /** True when secrets survive a restart (an encrypted store); false for memory only. */
  readonly persistent: boolean;
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export function devicePasswordKey(deviceId: string): string {
  return `device:${deviceId}`;
}

export class SessionSecrets implements SecretPort {
  readonly persistent = false;
  readonly #values = new Map<string, string>();
  async get(name: string): Promise<string | undefined> {
    return this.#values.get(name);
  }
  async set(name: string, value: string): Promise<void> {
    this.#values.set(name, value);
  }
  async delete(name: string): Promise<void> {
    this.#values.delete(name);
  }
}
