/**
 * Short labels for the EWC codes (European Waste Catalogue, Commission Decision 2000/532/EC as
 * amended by 2014/955/EU) that most often come up in shared collection rounds. Titles shortened;
 * codes not listed are shown by number only (or by the flows' own category text).
 */
export const EWC_LABELS: Readonly<Record<string, string>> = {
  '020203': 'materials unsuitable for consumption or processing',
  '030105': 'sawdust, shavings and wood cuttings',
  '080318': 'waste printing toner',
  '100101': 'bottom ash, slag and boiler dust',
  '120101': 'ferrous metal filings and turnings',
  '120103': 'non-ferrous metal filings and turnings',
  '130205': 'mineral engine, gear and lubricating oils',
  '150101': 'paper packaging',
  '150102': 'plastic packaging',
  '150103': 'wooden packaging',
  '150104': 'metallic packaging',
  '150105': 'composite packaging',
  '150106': 'mixed packaging',
  '150107': 'glass packaging',
  '150110': 'packaging with hazardous residues',
  '150202': 'contaminated absorbents and wiping cloths',
  '160103': 'end-of-life tyres',
  '160601': 'lead batteries',
  '170101': 'concrete',
  '170405': 'iron and steel',
  '190805': 'sludge from urban waste water treatment',
  '200101': 'paper and cardboard',
  '200108': 'biodegradable kitchen and canteen waste',
  '200121': 'fluorescent tubes and other mercury-containing waste',
  '200301': 'mixed municipal waste',
};

/** The label of an EWC code ("150101" or "150110*"), or undefined. */
export function ewcLabel(code: string): string | undefined {
  return EWC_LABELS[code.slice(0, 6)];
}
