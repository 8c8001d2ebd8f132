/**
 * Writes the demo portfolio: node --import tsx main/interchange/make-demo.ts <hotmaps.csv> <out.json>
 *   node --import tsx main/interchange/make-demo.ts main/data/hotmaps/hotmaps-industrial-sites.csv main/interchange/demo-portfolio.json
 * The output ships as main/interchange/demo-portfolio.json, so the app loads the demo without
 * parsing the whole Hotmaps file (main/interchange/demo.test.ts checks the two agree).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildDemoPortfolio, DEMO_REGION } from './demo-build.ts';
import { documentToJson, formatProblem, validateDocument } from './document.ts';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node --import tsx main/interchange/make-demo.ts <hotmaps.csv> <out.json>');
  process.exit(2);
}
const doc = buildDemoPortfolio(readFileSync(input, 'utf8'));
const checked = validateDocument(doc);
if (!checked.ok) {
  console.error(`the demo portfolio is not a valid exchange document:\n${checked.problems.map(formatProblem).join('\n')}`);
  process.exit(1);
}
writeFileSync(output, documentToJson(checked.doc));
const synthetic = (id: string): boolean => id.startsWith('demo-');
const count = (items: { id: string }[]): string => `${items.filter((x) => !synthetic(x.id)).length} real + ${items.filter((x) => synthetic(x.id)).length} synthetic`;
console.log(
  `${output}: ${DEMO_REGION.name}; organizations ${count(checked.doc.organizations)}, sites ${count(checked.doc.sites)}, flows ${count(checked.doc.flows)}`,
);
