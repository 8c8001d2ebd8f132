/**
 * Passwords and tokens. Passwords are stored as scrypt hashes with a random salt and the cost
 * parameters alongside (so they can be raised later without breaking old hashes). Tokens are 32
 * random bytes handed to the client once; the hub keeps only their SHA-256, so a copy of the
 * database does not let anyone sign in.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** `scrypt$N=16384,r=8,p=1$<salt base64>$<hash base64>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$N=${SCRYPT.N},r=${SCRYPT.r},p=${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const match = stored ? /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(stored) : null;
  if (!match) {
    // Same work as a real check, so response time does not tell which emails exist.
    await hashPassword(password);
    return false;
  }
  const expected = Buffer.from(match[5]!, 'base64');
  const key = await scryptAsync(password, Buffer.from(match[4]!, 'base64'), expected.length, {
    N: Number(match[1]),
    r: Number(match[2]),
    p: Number(match[3]),
    maxmem: 256 * 1024 * 1024,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A readable generated password (for new users made by `turash hub grant`). */
export function newPassword(): string {
  return randomBytes(12).toString('base64url');
}
