/**
 * The demo portfolio shipped with the app (built by make-demo.ts from the Hotmaps data of the
 * Rhine-Ruhr plus labelled synthetic records; see docs/interchange.md, "Demo portfolio").
 */
import { readFileSync } from 'node:fs';
import { formatProblem, validateDocument, type ExchangeDocument } from './document.ts';

export const DEMO_PORTFOLIO_URL = new URL('./demo-portfolio.json', import.meta.url);

export function loadDemoPortfolio(): ExchangeDocument {
  const checked = validateDocument(JSON.parse(readFileSync(DEMO_PORTFOLIO_URL, 'utf8')));
  // A broken demo file is a packaging bug, not user input: fail loudly.
  if (!checked.ok) throw new Error(`demo-portfolio.json is invalid: ${checked.problems.slice(0, 3).map(formatProblem).join('; ')}`);
  return checked.doc;
}
