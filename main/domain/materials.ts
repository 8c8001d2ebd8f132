/**
 * Material categories of waste and material flows (domain.md 5.3: "EWC code and the material
 * category must both be compatible"), pure data and pure functions, so the matching engine, the
 * API (editor suggestions) and the docs share one vocabulary. docs/matching.md, "Materials".
 *
 * - A flow's category is its stated `quality.category` read against the vocabulary (`resolveCategory`:
 *   the id itself, an alias, or the first entry in vocabulary order one of whose keywords the text
 *   contains as a word: "paper sludge" is sludge, "compost input" compost); a flow stating no category
 *   takes the category of its EWC code (`categoryOfEwc`: the code, else its 4-digit sub-chapter, else
 *   its 2-digit chapter). Text that names no category stays free text: it is compared by equality
 *   (case-insensitive), as before.
 * - A supply fits a demand when both categories are the same, or when the supply's is among the
 *   inputs the demand's category accepts (`DEMAND_ACCEPTS`: a composter takes organics and sludges,
 *   a feed mill only food-grade by-products, never sludge nor kitchen waste).
 *
 * Decisions (no single source): the vocabulary follows the material groups of the EWC chapters and
 * of the Waste Framework Directive's recycling targets; the acceptance lists follow what the
 * recovery route may legally and technically take (sources named per entry).
 */

export const MATERIAL_CATEGORIES = [
  'metals',
  'plastics',
  'paper',
  'wood',
  'glass',
  'minerals',
  'textiles',
  'rubber',
  'chemicals',
  'sludge',
  'food',
  'organics',
  'compost',
  'animal_feed',
  'fuel',
  'mixed',
] as const;
export type MaterialCategory = (typeof MATERIAL_CATEGORIES)[number];

/** What each category means, for the docs and the editor's suggestions. */
export const CATEGORY_LABEL: Readonly<Record<MaterialCategory, string>> = {
  metals: 'metals: ferrous and non-ferrous scrap, swarf, mill scale',
  plastics: 'plastics: sorted polymers, films, off-cuts',
  paper: 'paper and pulp: paper, board, fibre rejects',
  wood: 'wood: off-cuts, sawdust, pallets, timber',
  glass: 'glass: cullet',
  minerals: 'minerals and aggregates: rubble, slag, ash, gypsum, sand, soil',
  textiles: 'textiles and leather',
  rubber: 'rubber: tyres, technical rubber',
  chemicals: 'chemicals: solvents, acids, oils, process chemicals',
  sludge: 'sludge: sewage, de-inking, paper and effluent-treatment sludges',
  food: 'food-grade organics: by-products and off-spec goods of food and drink production',
  organics: 'organics: biodegradable kitchen, garden and agricultural waste',
  compost: 'compost and soil improvers: compost, digestate',
  animal_feed: 'animal feed: feed materials (spent grain, former foodstuffs)',
  fuel: 'fuel for energy recovery: refuse-derived and solid recovered fuel',
  mixed: 'mixed: unsorted or composite waste',
};

/**
 * The inputs each demand category accepts besides its own category. A category absent here
 * accepts only itself.
 */
export const DEMAND_ACCEPTS: Readonly<Partial<Record<MaterialCategory, readonly MaterialCategory[]>>> = {
  // Feed mills: food-grade by-products and feed materials only. Catering and kitchen waste and
  // sewage sludge are banned from feed (Regulation (EC) 1069/2009 art. 11; Regulation (EC) 767/2009
  // Annex III), so neither organics nor sludge.
  animal_feed: ['food'],
  // Composting and soil-improver works (R3, R10): biodegradable waste, food and feed residues,
  // untreated wood and the sludges its permit lists (the accepted EWC list narrows which).
  compost: ['organics', 'food', 'animal_feed', 'wood', 'sludge'],
  // Anaerobic digestion and other organic recovery (R3): food and kitchen waste, feed residues.
  organics: ['food', 'animal_feed'],
  // Sorting plants: any non-hazardous dry recyclable.
  mixed: ['metals', 'plastics', 'paper', 'wood', 'glass', 'textiles', 'rubber'],
  // Energy recovery (R1: waste-to-energy, cement kilns): combustible fractions.
  fuel: ['wood', 'plastics', 'paper', 'textiles', 'rubber', 'mixed', 'organics', 'sludge'],
};

/** Whole-text synonyms (after normalising: lower case, words separated by one space). */
const ALIASES: Readonly<Record<string, MaterialCategory>> = {
  'animal feed': 'animal_feed',
  feed: 'animal_feed',
  'paper pulp': 'paper',
  'pulp and paper': 'paper',
  'paper and pulp': 'paper',
  'food grade organics': 'food',
  'soil improver': 'compost',
  rdf: 'fuel',
  srf: 'fuel',
};

/**
 * Keywords per category, tried in this order (so "paper sludge" is sludge, "compost input" compost,
 * "food waste" food). A keyword matches a whole word, or a word's start for the stems marked `*`.
 */
const KEYWORDS: readonly [MaterialCategory, readonly string[]][] = [
  ['sludge', ['sludge*', 'slurry', 'slurries', 'sewage', 'biosolids']],
  ['compost', ['compost*', 'digestate', 'soil improver*', 'humus']],
  ['animal_feed', ['feed', 'feeds', 'feedstuff*', 'fodder', 'forage', 'spent grain*', 'distillers grains', 'former foodstuff*']],
  ['chemicals', ['solvent*', 'chemical*', 'acid*', 'alkali*', 'caustic', 'oil', 'oils', 'lubricant*', 'reagent*', 'catalyst*']],
  ['fuel', ['fuel*', 'refuse derived', 'solid recovered']],
  ['metals', ['metal*', 'scrap', 'steel', 'iron', 'aluminium', 'aluminum', 'copper', 'zinc', 'brass', 'swarf', 'mill scale']],
  ['plastics', ['plastic*', 'polymer*', 'polyethylene', 'polypropylene', 'pet', 'pvc', 'foil', 'film']],
  ['paper', ['paper*', 'pulp', 'cardboard', 'board', 'fibre', 'fiber', 'newsprint']],
  ['wood', ['wood*', 'timber', 'sawdust', 'pallet*', 'bark', 'chips']],
  ['glass', ['glass', 'cullet']],
  ['rubber', ['rubber', 'tyre*', 'tire*']],
  ['textiles', ['textile*', 'fabric*', 'cloth*', 'leather', 'wool', 'cotton']],
  ['minerals', ['mineral*', 'aggregate*', 'rubble', 'concrete', 'brick*', 'slag*', 'ash', 'ashes', 'gypsum', 'sand', 'gravel', 'soil', 'stones', 'lime', 'demolition']],
  ['food', ['food*', 'bread', 'dough', 'dairy', 'whey', 'bakery', 'brewery', 'vegetable*', 'fruit*', 'pomace', 'molasses']],
  ['organics', ['organic*', 'biowaste', 'bio waste', 'biodegradable', 'green waste', 'garden', 'kitchen', 'catering', 'manure', 'grass', 'leaves']],
  ['mixed', ['mixed', 'residual', 'unsorted', 'municipal', 'composite']],
];

const normalise = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

const KEYWORD_PATTERNS: readonly [MaterialCategory, RegExp][] = KEYWORDS.map(([category, words]) => [
  category,
  new RegExp(`(?:^| )(?:${words.map((w) => (w.endsWith('*') ? `${w.slice(0, -1)}[a-z]*` : w)).join('|')})(?= |$)`),
]);

const IDS: ReadonlySet<string> = new Set(MATERIAL_CATEGORIES);

/** The vocabulary entry a stated category names, or null (free text). Case and punctuation do not matter. */
export function resolveCategory(text: string): MaterialCategory | null {
  const n = normalise(text);
  if (n === '') return null;
  const id = n.replace(/ /g, '_');
  if (IDS.has(id)) return id as MaterialCategory;
  const alias = ALIASES[n];
  if (alias) return alias;
  for (const [category, pattern] of KEYWORD_PATTERNS) if (pattern.test(n)) return category;
  return null;
}

/**
 * EWC (Commission Decision 2000/532/EC, List of Waste) codes, sub-chapters (4 digits) and chapters
 * (2 digits) to categories; the longest prefix wins. Chapters whose wastes are too varied for one
 * category name their sub-chapters or codes.
 */
export const EWC_CATEGORY: Readonly<Record<string, MaterialCategory>> = {
  // 01 mining and quarrying; 02 agriculture, horticulture, food preparation and processing
  '01': 'minerals',
  '02': 'food',
  '0201': 'organics', // primary production: plant tissue, manure
  '020104': 'plastics',
  '020110': 'metals',
  '020204': 'sludge', // sludges from on-site effluent treatment (meat, fish)
  '020305': 'sludge',
  '020401': 'minerals', // soil from cleaning and washing beet
  '020403': 'sludge',
  '020502': 'sludge',
  '020603': 'sludge',
  '020705': 'sludge',
  // 03 wood processing, pulp, paper and board
  '0301': 'wood',
  '0302': 'chemicals', // wood preservatives
  '0303': 'paper',
  '030302': 'sludge', // green liquor sludge
  '030305': 'sludge', // de-inking sludges from paper recycling
  '030309': 'minerals', // lime mud
  '030311': 'sludge', // sludges from on-site effluent treatment
  // 04 leather, fur and textiles
  '04': 'textiles',
  '040106': 'sludge',
  '040107': 'sludge',
  '040219': 'sludge',
  '040220': 'sludge',
  // 05 petroleum refining; 06 and 07 inorganic and organic chemical processes; 08 paints,
  // coatings, adhesives, inks; 09 photographic industry
  '05': 'chemicals',
  '06': 'chemicals',
  '07': 'chemicals',
  '070213': 'plastics',
  '08': 'chemicals',
  '09': 'chemicals',
  // 10 thermal processes (ash, slag, dust)
  '10': 'minerals',
  '100210': 'metals', // mill scales
  // 11 metal surface treatment; 12 shaping and machining of metals and plastics
  '11': 'chemicals',
  '12': 'metals',
  '120105': 'plastics',
  // 13 oil wastes; 14 solvents
  '13': 'chemicals',
  '14': 'chemicals',
  // 15 packaging, absorbents
  '1501': 'mixed',
  '150101': 'paper',
  '150102': 'plastics',
  '150103': 'wood',
  '150104': 'metals',
  '150107': 'glass',
  '150109': 'textiles',
  '1502': 'chemicals',
  // 16 not otherwise specified (vehicles, electrical equipment, batteries, catalysts)
  '16': 'mixed',
  '160103': 'rubber',
  '160117': 'metals',
  '160118': 'metals',
  '160119': 'plastics',
  '160120': 'glass',
  '1605': 'chemicals',
  '1606': 'chemicals', // batteries
  '1608': 'chemicals', // spent catalysts
  // 17 construction and demolition
  '17': 'minerals',
  '170201': 'wood',
  '170202': 'glass',
  '170203': 'plastics',
  '1704': 'metals',
  // 18 health care
  '18': 'mixed',
  // 19 waste and wastewater treatment facilities
  '19': 'mixed',
  '1901': 'minerals', // incineration bottom ash and slag
  '1902': 'chemicals',
  '1905': 'compost', // aerobic treatment
  '1906': 'compost', // anaerobic treatment: digestate
  '190603': 'sludge', // liquor from anaerobic treatment of municipal waste
  '190605': 'sludge',
  '1908': 'sludge', // urban wastewater treatment
  '190801': 'minerals', // screenings
  '190802': 'minerals', // waste from desanding
  '1909': 'sludge', // drinking and industrial water preparation
  '190901': 'minerals',
  '1910': 'metals', // shredding of metal-containing waste
  '1911': 'chemicals', // oil regeneration
  '191201': 'paper',
  '191202': 'metals',
  '191203': 'metals',
  '191204': 'plastics',
  '191205': 'glass',
  '191207': 'wood',
  '191208': 'textiles',
  '191209': 'minerals',
  '191210': 'fuel', // combustible waste (refuse-derived fuel)
  '1913': 'minerals', // soil and groundwater remediation
  // 20 municipal waste
  '20': 'mixed',
  '200101': 'paper',
  '200102': 'glass',
  '200108': 'organics', // biodegradable kitchen and canteen waste
  '200110': 'textiles',
  '200111': 'textiles',
  '200125': 'organics', // edible oil and fat
  '200138': 'wood',
  '200139': 'plastics',
  '200140': 'metals',
  '200201': 'organics', // biodegradable garden and park waste
  '200202': 'minerals',
  '200302': 'organics', // waste from markets
  '200304': 'sludge', // septic tank sludge
  '200306': 'sludge',
};

/** The category of an EWC code (6 digits, an optional `*`), or null for a code the table does not cover. */
export function categoryOfEwc(code: string): MaterialCategory | null {
  const digits = code.replace('*', '');
  return EWC_CATEGORY[digits] ?? EWC_CATEGORY[digits.slice(0, 4)] ?? EWC_CATEGORY[digits.slice(0, 2)] ?? null;
}

/** What a flow's category is for matching: from its stated text, else from its EWC code. */
export type CategoryRef = { kind: 'none' } | { kind: 'known'; category: MaterialCategory; from: 'stated' | 'ewc' } | { kind: 'free'; text: string };

export function flowCategory(quality: { category?: string | undefined; ewc?: string | undefined }): CategoryRef {
  const text = (quality.category ?? '').trim();
  if (text !== '') {
    const known = resolveCategory(text);
    return known ? { kind: 'known', category: known, from: 'stated' } : { kind: 'free', text: text.toLowerCase() };
  }
  if (quality.ewc) {
    const known = categoryOfEwc(quality.ewc);
    if (known) return { kind: 'known', category: known, from: 'ewc' };
  }
  return { kind: 'none' };
}

/** Does a demand of category `demand` take a supply of category `supply`? */
export function demandAccepts(demand: MaterialCategory, supply: MaterialCategory): boolean {
  return demand === supply || (DEMAND_ACCEPTS[demand]?.includes(supply) ?? false);
}
