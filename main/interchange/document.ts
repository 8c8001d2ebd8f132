/**
 * The `turash-exchange` v1 document (domain.md section 4): its types, validation and JSON form.
 *
 * Import is all-or-nothing: every reader in this folder returns either a whole valid document or
 * the full list of problems, never a partial document, so a bad file can never half-import.
 */
export * from './format.ts';
export { validateDocument, type Locate } from './validate.ts';
export { parseExchangeJson, documentToJson } from './json.ts';
