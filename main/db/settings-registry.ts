/**
 * Every key of the `settings` table with the schema of its value: the one place that says what a
 * setting holds. `Repository.getSetting(key)` / `setSetting(key, value)` take their types from
 * here, so an unknown key or a value of the wrong shape is a type error at the call site, and
 * what comes back from the file is checked, not cast.
 *
 * A stored value that fails its schema (an older build's format, a hand edit, a damaged file) is
 * reported once, naming the key, and read as absent: the caller's default applies, as it would
 * for a setting never set, instead of a crash or a wrong value flowing on.
 */
import { z } from 'zod';
import { checkRegion } from './alert-digests.ts';
import { ValidationError } from './errors.ts';

/**
 * A count or duration of the ingestion settings. Also read from text ("30"): such a value was
 * accepted before this registry, so a file that holds one keeps working.
 */
const ingestNumber = z
  .union([z.number(), z.string().transform((text) => (text.trim() === '' ? Number.NaN : Number(text)))], { error: 'must be a number' })
  .pipe(z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number').refine((n) => n >= 0, 'must be 0 or more'));

/** A bounding box in degrees, checked as the alert digests check it (checkRegion). */
const alertRegion = z
  .object({ min_lat: z.number(), min_lon: z.number(), max_lat: z.number(), max_lon: z.number() })
  .superRefine((region, ctx) => {
    try {
      checkRegion(region);
    } catch (error) {
      for (const p of error instanceof ValidationError ? error.problems : [{ message: String(error) }]) ctx.addIssue({ code: 'custom', message: p.message });
    }
  });

export const SETTINGS = {
  /** The update channel the user chose (main/api/updates-router.ts; the desktop shell reads it at start). */
  'updates.channel': z.enum(['stable', 'beta']),
  /** When the demo portfolio was seeded into this database (ISO time; main/portfolio/demo-seed.ts): once only. */
  'demo.seeded': z.string().min(1),
  /** Score from which a new match is worth an alert (main/workflow/alerts.ts). */
  'workflow.alert_threshold': z.number().min(0).max(1),
  /** The user's region for "N of them in your region"; null: none set (main/workflow/alerts.ts). */
  'workflow.alert_region': alertRegion.nullable(),
  /** main/ingest/settings.ts: a flow becomes measured once its meter data cover this long (s). */
  'ingest.measured_min_period_s': ingestNumber,
  /** ... with at least this share of minutes with good data (above 1 is read as 1). */
  'ingest.measured_min_coverage': ingestNumber,
  /** At most one evaluation per flow this often while samples arrive (s). */
  'ingest.measured_eval_interval_s': ingestNumber,
  /** Raw samples older than this are pruned (days). */
  'ingest.raw_retention_days': ingestNumber,
  /** Minute aggregates older than this are pruned (days; 0: never). */
  'ingest.minute_retention_days': ingestNumber,
} as const satisfies Record<string, z.ZodType>;

export type SettingKey = keyof typeof SETTINGS;
/** What `getSetting(key)` returns and `setSetting(key, value)` takes. */
export type SettingValue<K extends SettingKey> = z.output<(typeof SETTINGS)[K]>;

function schemaOf(key: string): z.ZodType {
  if (!Object.hasOwn(SETTINGS, key)) throw new Error(`unknown setting "${key}": add it to main/db/settings-registry.ts`);
  return SETTINGS[key as SettingKey];
}

const reported = new Set<string>();

/**
 * The value of `key` as stored (JSON text), undefined when nothing is stored, and undefined with a
 * warning when what is stored fails the key's schema.
 */
export function readSetting<K extends SettingKey>(key: K, stored: string | undefined): SettingValue<K> | undefined {
  const schema = schemaOf(key);
  if (stored === undefined) return undefined;
  let json: unknown;
  let problem: string;
  try {
    json = JSON.parse(stored);
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data as SettingValue<K>;
    problem = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  } catch {
    problem = 'not valid JSON';
  }
  // Once per key and value: the ingest reads its settings on every evaluation.
  const what = `${key}\u0000${stored}`;
  if (!reported.has(what)) {
    reported.add(what);
    const shown = stored.length > 80 ? `${stored.slice(0, 80)}…` : stored;
    console.warn(`setting "${key}" holds ${shown}, which is not usable (${problem}): the default is used until the setting is saved again`);
  }
  return undefined;
}

/** The JSON text to store for `value`; a value that fails the key's schema is refused, naming the key. */
export function writeSetting<K extends SettingKey>(key: K, value: SettingValue<K>): string {
  const parsed = schemaOf(key).safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      `setting "${key}"`,
      parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    );
  }
  return JSON.stringify(parsed.data);
}
