/**
 * A `ProfileSource` over a library of named profiles, adding the country means of the residential
 * profiles (`hotmaps:residential-mean:<country>`: the default shape of a district-heating demand,
 * domain.md 5.2 "mean of its regions' profiles"). Pure: the library's values come from the caller.
 */
import { residentialRegionsOf } from '../../domain/profile-names.ts';
import { HOURS_PER_YEAR } from './calendar.ts';
import type { ProfileSource } from './shapes.ts';

const MEAN_PREFIX = 'hotmaps:residential-mean:';

export function withCountryMeans(get: ProfileSource): ProfileSource {
  const means = new Map<string, Float64Array | undefined>();
  return (name) => {
    if (!name.startsWith(MEAN_PREFIX)) return get(name);
    const country = name.slice(MEAN_PREFIX.length);
    if (means.has(country)) return means.get(country);
    const regions = residentialRegionsOf(country)
      .map((r) => get(`hotmaps:residential:${r}`))
      .filter((v): v is Float64Array => v !== undefined);
    let mean: Float64Array | undefined;
    if (regions.length > 0) {
      mean = new Float64Array(HOURS_PER_YEAR);
      for (const v of regions) for (let h = 0; h < HOURS_PER_YEAR; h++) mean[h]! += v[h]! / regions.length;
    }
    means.set(country, mean);
    return mean;
  };
}

/** No named profiles: flat shapes only (tests and portfolios without heat profiles). */
export const NO_PROFILES: ProfileSource = () => undefined;
