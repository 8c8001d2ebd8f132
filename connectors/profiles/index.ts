/**
 * Device profiles: a meter's register map as data (field.md "Register maps as data"), so a new
 * meter is a JSON file and not a code change. Shipped profiles live next to this file; user
 * profiles are `<name>.json` files in a folder of the user's (the app passes one under its user
 * data folder) and are validated the same way. A user profile with a shipped profile's name
 * overrides it (a field engineer fixing an address on site must win).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { PointSpec } from '../types.ts';
import { DATA_TYPES, ORDERS, wordCount } from '../modbus/codec.ts';
import sdm630 from './sdm630.json' with { type: 'json' };
import sunspec201 from './sunspec-201.json' with { type: 'json' };
import sunspec202 from './sunspec-202.json' with { type: 'json' };
import sunspec203 from './sunspec-203.json' with { type: 'json' };
import sunspec204 from './sunspec-204.json' with { type: 'json' };

const RegisterSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only'),
    name: z.string().min(1),
    fc: z.union([z.literal(3), z.literal(4)]),
    address: z.number().int().min(0).max(65_535),
    dataType: z.enum(DATA_TYPES),
    order: z.enum(ORDERS).default('ABCD'),
    /** Multiplier applied to the raw value (0.1 for a register in tenths). */
    scale: z.number().finite().optional(),
    /** SunSpec: the id of the int16 register holding this value's power-of-ten scale factor. */
    scaleRegister: z.string().optional(),
    unit: z.string().optional(),
    /** What the value is (power, energy-import, energy-export, voltage, current, frequency, power-factor, scale-factor, ...): lets the UI pre-select points. */
    role: z.string().optional(),
  })
  .strict();

export const ProfileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and - only (it is the file name)'),
    description: z.string().default(''),
    /** Largest hole (registers) the planner reads through to merge two requests; 0 for devices that reject unmapped registers. */
    maxGap: z.number().int().min(0).max(124).optional(),
    registers: z.array(RegisterSchema).min(1),
  })
  .strict()
  .superRefine((p, ctx) => {
    const byId = new Map<string, z.infer<typeof RegisterSchema>>();
    p.registers.forEach((r, i) => {
      if (byId.has(r.id)) ctx.addIssue({ code: 'custom', path: ['registers', i, 'id'], message: `duplicate register id "${r.id}"` });
      byId.set(r.id, r);
      if (r.address + wordCount(r.dataType) > 65_536) ctx.addIssue({ code: 'custom', path: ['registers', i, 'address'], message: `${r.dataType} at ${r.address} runs past register 65535` });
      if (r.scale !== undefined && r.scaleRegister !== undefined) ctx.addIssue({ code: 'custom', path: ['registers', i, 'scale'], message: 'give scale or scaleRegister, not both' });
    });
    p.registers.forEach((r, i) => {
      if (r.scaleRegister === undefined) return;
      const sf = byId.get(r.scaleRegister);
      if (!sf) ctx.addIssue({ code: 'custom', path: ['registers', i, 'scaleRegister'], message: `no register with id "${r.scaleRegister}"` });
      else if (sf.dataType !== 'int16' || sf.fc !== r.fc) ctx.addIssue({ code: 'custom', path: ['registers', i, 'scaleRegister'], message: `"${r.scaleRegister}" must be an int16 register of the same function code (fc ${r.fc})` });
    });
  });

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileRegister = Profile['registers'][number];

export interface LoadedProfile extends Profile {
  source: 'shipped' | 'user';
  /** The file a user profile came from. */
  file?: string;
}

export class ProfileError extends Error {
  constructor(
    readonly where: string,
    readonly issues: string[],
  ) {
    super(`${where}: ${issues.join('; ')}`);
    this.name = 'ProfileError';
  }
}

const SHIPPED: unknown[] = [sdm630, sunspec201, sunspec202, sunspec203, sunspec204];

/** Validates a profile; throws ProfileError naming each bad field (registers[3].dataType: ...). */
export function parseProfile(input: unknown, where = 'profile'): Profile {
  const r = ProfileSchema.safeParse(input);
  if (!r.success) throw new ProfileError(where, r.error.issues.map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)'}: ${i.message}`));
  return r.data;
}

export function shippedProfiles(): LoadedProfile[] {
  return SHIPPED.map((p) => ({ ...parseProfile(p, 'shipped profile'), source: 'shipped' as const }));
}

/**
 * Shipped profiles plus the user's (`<folder>/*.json`), sorted by name. A broken user file does not
 * hide the others: it is reported in `errors` with its file and the bad fields.
 */
export function loadProfiles(userFolder?: string): { profiles: LoadedProfile[]; errors: ProfileError[] } {
  const byName = new Map<string, LoadedProfile>(shippedProfiles().map((p) => [p.name, p]));
  const errors: ProfileError[] = [];
  if (userFolder) {
    let files: string[] = [];
    try {
      files = readdirSync(userFolder).filter((f) => f.endsWith('.json'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const f of files.sort()) {
      const file = join(userFolder, f);
      try {
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(file, 'utf8'));
        } catch (e) {
          throw new ProfileError(file, [`not valid JSON (${(e as Error).message})`]);
        }
        const p = parseProfile(json, file);
        if (`${p.name}.json` !== f) throw new ProfileError(file, [`name "${p.name}" does not match the file name (expected ${p.name}.json)`]);
        byName.set(p.name, { ...p, source: 'user', file });
      } catch (e) {
        if (e instanceof ProfileError) errors.push(e);
        else throw e;
      }
    }
  }
  return { profiles: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)), errors };
}

/** The profile of this name (user first), or a ProfileError listing the known names. */
export function getProfile(name: string, userFolder?: string): LoadedProfile {
  const { profiles } = loadProfiles(userFolder);
  const p = profiles.find((x) => x.name === name);
  if (!p) throw new ProfileError(`profile "${name}"`, [`unknown; known profiles: ${profiles.map((x) => x.name).join(', ')}`]);
  return p;
}

/** Validates and writes `<folder>/<name>.json` atomically (temp file + rename); nothing is written when invalid. */
export function saveUserProfile(folder: string, profile: unknown): Profile {
  const p = parseProfile(profile, `profile "${(profile as { name?: unknown } | null)?.name ?? '?'}"`);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${p.name}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(p, null, 2)}\n`);
  renameSync(tmp, file);
  return p;
}

/**
 * The points a profile defines, ready for Connector.read/subscribe. Scale-factor registers are not
 * points of their own: they travel in the address (`3:40072;sf=40075`) so a stored point row is
 * enough to decode the value later.
 */
export function profileToPoints(profile: Profile, options: { unitId?: number; idPrefix?: string } = {}): PointSpec[] {
  const byId = new Map(profile.registers.map((r) => [r.id, r]));
  return profile.registers
    .filter((r) => r.role !== 'scale-factor' && r.role !== 'model-id')
    .map((r) => {
      const sf = r.scaleRegister ? byId.get(r.scaleRegister) : undefined;
      const point: PointSpec = {
        id: `${options.idPrefix ?? ''}${r.id}`,
        name: r.name,
        address: `${r.fc}:${r.address}${sf ? `;sf=${sf.address}` : ''}`,
        dataType: r.dataType,
        order: r.order,
      };
      if (r.scale !== undefined && r.scale !== 1) point.scale = r.scale;
      if (r.unit) point.unit = r.unit;
      if (options.unitId !== undefined) point.unitId = options.unitId;
      return point;
    });
}
