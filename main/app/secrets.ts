/**
 * Secrets of the desktop app (the hub token, device passwords), encrypted with the OS keychain
 * through Electron's safeStorage (injected as an `Encryptor`, so this module runs in plain Node)
 * and kept in a JSON file in the user data folder (`secrets.json`): only base64 ciphertext is
 * written, atomically (temp file + rename, mode 0600). When encryption is unavailable (Linux without
 * a keyring: safeStorage would fall back to a hard-coded key) nothing is stored: a clear error.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Electron's safeStorage (isEncryptionAvailable, encryptString, decryptString). */
export interface Encryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Electron on Linux: 'basic_text' means no keyring (a hard-coded key): treated as unavailable. */
  getSelectedStorageBackend?(): string;
}

export const SECRETS_FILE = 'secrets.json';

/** Names of secrets: `hub-token`, `device:<id>` (device passwords). */
export const HUB_TOKEN = 'hub-token';
export function devicePasswordKey(deviceId: string): string {
  return `device:${deviceId}`;
}

export class SecretEncryptionUnavailableError extends Error {
  constructor() {
    super(
      'secrets cannot be stored: the operating system offers no encryption (on Linux, install and unlock a keyring such as GNOME Keyring or KWallet); the secret was not saved',
    );
    this.name = 'SecretEncryptionUnavailableError';
  }
}

interface SecretsFile {
  version: 1;
  /** name -> base64 of safeStorage's ciphertext */
  secrets: Record<string, string>;
}

const NAME = /^[a-z][a-z0-9-]*(:[\w.-]{1,200})?$/;

export class SecretStore {
  readonly path: string;
  readonly #encryptor: Encryptor;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(userDataDir: string, encryptor: Encryptor) {
    this.path = join(userDataDir, SECRETS_FILE);
    this.#encryptor = encryptor;
  }

  encryptionAvailable(): boolean {
    if (!this.#encryptor.isEncryptionAvailable()) return false;
    return this.#encryptor.getSelectedStorageBackend?.() !== 'basic_text';
  }

  async set(name: string, value: string): Promise<void> {
    checkName(name);
    if (!this.encryptionAvailable()) throw new SecretEncryptionUnavailableError();
    const cipher = this.#encryptor.encryptString(value).toString('base64');
    await this.#update((file) => {
      file.secrets[name] = cipher;
    });
  }

  /** The secret, or undefined when none is stored. Throws when it cannot be decrypted. */
  async get(name: string): Promise<string | undefined> {
    checkName(name);
    await this.#queue;
    const cipher = (await this.#read()).secrets[name];
    if (cipher === undefined) return undefined;
    if (!this.#encryptor.isEncryptionAvailable()) throw new SecretEncryptionUnavailableError();
    return this.#encryptor.decryptString(Buffer.from(cipher, 'base64'));
  }

  async has(name: string): Promise<boolean> {
    checkName(name);
    await this.#queue;
    return (await this.#read()).secrets[name] !== undefined;
  }

  async delete(name: string): Promise<void> {
    checkName(name);
    await this.#update((file) => {
      delete file.secrets[name];
    });
  }

  async names(): Promise<string[]> {
    await this.#queue;
    return Object.keys((await this.#read()).secrets).sort();
  }

  async #read(): Promise<SecretsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} };
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<SecretsFile>;
    if (parsed.version !== 1 || typeof parsed.secrets !== 'object' || parsed.secrets === null) throw new Error(`${this.path} is not a secrets file of this app`);
    return { version: 1, secrets: { ...parsed.secrets } };
  }

  /** Read-modify-write, one at a time, written to a temp file and renamed over the old one. */
  #update(change: (file: SecretsFile) => void): Promise<void> {
    const run = this.#queue.then(async () => {
      const file = await this.#read();
      change(file);
      await mkdir(dirname(this.path), { recursive: true });
      const temp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
      try {
        await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
        await rename(temp, this.path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`not a secret name: ${JSON.stringify(name)}`);
}
