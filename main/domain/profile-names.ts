/**
 * The names of the hourly heat profiles a flow may state (domain.md 5.2): `flat`, `measured`, and the
 * Hotmaps load profiles shipped in main/data/hotmaps (CC BY 4.0, Hotmaps project, Horizon 2020 grant
 * 723677): `hotmaps:residential:<NUTS2>` (space heating and hot water, 2010) and
 * `hotmaps:industry:<process>:<country>` (industrial process heat, 2018). Pure data: the domain
 * validates names against it without loading the 8,760-hour values.
 */

/** NUTS2 regions with a residential profile. */
export const RESIDENTIAL_REGIONS: readonly string[] = [
  'AT11', 'AT12', 'AT13', 'AT21', 'AT22', 'AT31', 'AT32', 'AT33', 'AT34', 'BE10', 'BE21', 'BE22',
  'BE23', 'BE24', 'BE25', 'BE31', 'BE32', 'BE33', 'BE34', 'BE35', 'BG31', 'BG32', 'BG33', 'BG34',
  'BG41', 'BG42', 'CH01', 'CH02', 'CH03', 'CH04', 'CH05', 'CH06', 'CH07', 'CY00', 'CZ01', 'CZ02',
  'CZ03', 'CZ04', 'CZ05', 'CZ06', 'CZ07', 'CZ08', 'DE11', 'DE12', 'DE13', 'DE14', 'DE21', 'DE22',
  'DE23', 'DE24', 'DE25', 'DE26', 'DE27', 'DE30', 'DE40', 'DE50', 'DE60', 'DE71', 'DE72', 'DE73',
  'DE80', 'DE91', 'DE92', 'DE93', 'DE94', 'DEA1', 'DEA2', 'DEA3', 'DEA4', 'DEA5', 'DEB1', 'DEB2',
  'DEB3', 'DEC0', 'DED2', 'DED4', 'DED5', 'DEE0', 'DEF0', 'DEG0', 'DK01', 'DK02', 'DK03', 'DK04',
  'DK05', 'EE00', 'EL42', 'EL51', 'EL52', 'EL53', 'EL54', 'EL61', 'EL63', 'EL64', 'ES11', 'ES12',
  'ES13', 'ES21', 'ES22', 'ES23', 'ES24', 'ES30', 'ES41', 'ES42', 'ES43', 'ES51', 'ES52', 'ES53',
  'ES61', 'ES62', 'ES70', 'FI19', 'FI1B', 'FI1C', 'FI1D', 'FI20', 'FR10', 'FR21', 'FR22', 'FR23',
  'FR24', 'FR25', 'FR26', 'FR30', 'FR41', 'FR42', 'FR43', 'FR51', 'FR52', 'FR53', 'FR61', 'FR62',
  'FR63', 'FR71', 'FR72', 'FR81', 'FR82', 'FR83', 'HR03', 'HR04', 'HU10', 'HU21', 'HU22', 'HU23',
  'HU31', 'HU32', 'HU33', 'IE01', 'IE02', 'ITC1', 'ITC2', 'ITC3', 'ITC4', 'ITF1', 'ITF2', 'ITF3',
  'ITF4', 'ITF5', 'ITF6', 'ITG2', 'ITH1', 'ITH2', 'ITH3', 'ITH4', 'ITH5', 'ITI1', 'ITI2', 'ITI3',
  'ITI4', 'LT00', 'LU00', 'LV00', 'NL11', 'NL12', 'NL13', 'NL21', 'NL22', 'NL23', 'NL31', 'NL32',
  'NL33', 'NL34', 'NL41', 'NL42', 'PL11', 'PL12', 'PL21', 'PL22', 'PL31', 'PL32', 'PL33', 'PL34',
  'PL41', 'PL42', 'PL43', 'PL51', 'PL52', 'PL61', 'PL62', 'PL63', 'PT11', 'PT15', 'PT16', 'PT17',
  'PT18', 'RO11', 'RO12', 'RO21', 'RO22', 'RO31', 'RO32', 'RO41', 'RO42', 'SE11', 'SE12', 'SE21',
  'SE22', 'SE23', 'SE31', 'SE32', 'SE33', 'SI03', 'SI04', 'SK01', 'SK02', 'SK03', 'SK04', 'UKC1',
  'UKC2', 'UKD1', 'UKD3', 'UKD4', 'UKD6', 'UKD7', 'UKE1', 'UKE2', 'UKE3', 'UKE4', 'UKF1', 'UKF2',
  'UKF3', 'UKG1', 'UKG2', 'UKG3', 'UKH1', 'UKH2', 'UKH3', 'UKI3', 'UKI4', 'UKI5', 'UKI6', 'UKI7',
  'UKJ1', 'UKJ2', 'UKJ3', 'UKJ4', 'UKK1', 'UKK2', 'UKK3', 'UKK4', 'UKL1', 'UKL2', 'UKM2', 'UKM3',
  'UKM5', 'UKM6', 'UKN0',
];

/** Industrial processes (the Hotmaps module spells non_metalic with one l) and the countries of each profile. */
export const INDUSTRY_PROFILES: Readonly<Record<string, readonly string[]>> = {
  chemicals_and_petrochemicals: ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI', 'FR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'ME', 'MK', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'RS', 'SE', 'SI', 'SK', 'TR', 'UK'],
  food_and_tobacco: ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI', 'FR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'ME', 'MK', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'RS', 'SE', 'SI', 'SK', 'TR', 'UK'],
  iron_and_steel: ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI', 'FR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'ME', 'MK', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'RS', 'SE', 'SI', 'SK', 'TR', 'UK'],
  non_metalic_minerals: ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI', 'FR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'ME', 'MK', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'RS', 'SE', 'SI', 'SK', 'TR', 'UK'],
  paper: ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI', 'FR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'ME', 'MK', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'RS', 'SE', 'SI', 'SK', 'TR', 'UK'],
};

/** What a `temporal.profile` name means. */
export type ProfileRef =
  | { kind: 'flat' }
  | { kind: 'measured' }
  | { kind: 'residential'; region: string }
  | { kind: 'industry'; process: string; country: string };

/** Hotmaps country codes differ from ISO 3166-1 for Greece (EL) and the United Kingdom (UK). */
export function hotmapsCountry(iso: string): string {
  const c = iso.toUpperCase();
  return c === 'GR' ? 'EL' : c === 'GB' ? 'UK' : c;
}

const RESIDENTIAL = new Set(RESIDENTIAL_REGIONS);

/** The parsed name, or null when it is not one of the shipped profiles (the caller names it in its error). */
export function parseProfileName(name: string): ProfileRef | null {
  if (name === 'flat') return { kind: 'flat' };
  if (name === 'measured') return { kind: 'measured' };
  const parts = name.split(':');
  if (parts[0] !== 'hotmaps') return null;
  if (parts.length === 3 && parts[1] === 'residential' && RESIDENTIAL.has(parts[2]!)) return { kind: 'residential', region: parts[2]! };
  if (parts.length === 4 && parts[1] === 'industry' && INDUSTRY_PROFILES[parts[2]!]?.includes(parts[3]!)) {
    return { kind: 'industry', process: parts[2]!, country: parts[3]! };
  }
  return null;
}

export const isProfileName = (name: string): boolean => parseProfileName(name) !== null;

/** Every name a user may pick, for editors and error messages (flat and measured first). */
export function allProfileNames(): string[] {
  const out = ['flat', 'measured'];
  for (const r of RESIDENTIAL_REGIONS) out.push(`hotmaps:residential:${r}`);
  for (const [p, countries] of Object.entries(INDUSTRY_PROFILES)) for (const c of countries) out.push(`hotmaps:industry:${p}:${c}`);
  return out;
}

/** Residential regions of a country (ISO or Hotmaps code): the default district-heating shape is their mean. */
export function residentialRegionsOf(country: string): string[] {
  const c = hotmapsCountry(country);
  return RESIDENTIAL_REGIONS.filter((r) => r.startsWith(c));
}

/**
 * Hotmaps subsector -> industrial process (the excess-heat module's parameters, domain.md 5.2).
 * Unknown subsectors fall back to food_and_tobacco, the module's "other".
 */
export function processOfSubsector(subsector: string): string {
  const s = subsector.toLowerCase();
  if (s.includes('iron') || s.includes('steel') || s.includes('non-ferrous') || s.includes('non ferrous')) return 'iron_and_steel';
  if (s.includes('refiner') || s.includes('chemical')) return 'chemicals_and_petrochemicals';
  if (s.includes('cement') || s.includes('glass') || s.includes('non-metallic') || s.includes('non metallic')) return 'non_metalic_minerals';
  if (s.includes('paper') || s.includes('printing')) return 'paper';
  return 'food_and_tobacco';
}
