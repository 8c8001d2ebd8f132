/**
 * The bundled Hotmaps profiles as the matching engine asks for them: by the app-facing name
 * (`hotmaps:residential:DEA1`, `hotmaps:industry:paper:DE`; domain/profile-names.ts).
 */
import type { ProfileSource } from '../matching/hourly/shapes.ts';
import { loadProfileLibrary } from './profiles.ts';

const PREFIX = 'hotmaps:';

/** Loads the library on first use (about 0.9 MB, decoded per profile when asked). */
export function hotmapsProfileSource(): ProfileSource {
  return (name) => (name.startsWith(PREFIX) ? loadProfileLibrary().values(name.slice(PREFIX.length)) : undefined);
}
