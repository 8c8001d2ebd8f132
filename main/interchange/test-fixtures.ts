/** Shared test inputs: the brief's example document (domain.md section 4) and a record with every key. */
import type { ExchangeDocument } from './document.ts';

/** domain.md section 4 verbatim, "..." placeholders included. */
export const BRIEF_EXAMPLE_TEXT = `{
  "format": "turash-exchange", "version": 1,
  "organizations": [{ "id": "org-1", "name": "Acme Paper", "nace": "C17", "sector": "Paper",
      "trust": 0.8, "sharing": "partners",
      "contact": { "name": "...", "email": "...", "phone": "..." } }],
  "sites": [{ "id": "site-1", "organization_id": "org-1", "name": "Mill", "country": "DE",
      "lat": 51.23, "lon": 6.78, "kind": "plant", "address": "..." }],
  "flows": [{ "id": "flow-1", "site_id": "site-1", "direction": "supply", "type": "heat",
      "name": "Dryer exhaust", "quantity": { "amount": 500, "unit": "kW" },
      "precision": "estimated",
      "quality": { "temperature_c": { "min": 70, "max": 90 }, "pressure_bar": { "min": 1, "max": 3 },
                   "purity_pct": 95, "contamination_mg_kg": 50, "ph": { "min": 6, "max": 8 },
                   "ewc": "030305", "hazardous": false, "accepts_hazardous": false,
                   "accepted_ewc": ["030305"], "category": "..." },
      "temporal": { "weekly": [{ "days": "mon-fri", "from": 6, "to": 22 }], "months": [1, 2, 3] },
      "economics": { "price_eur": 50, "price_per": "MWh", "disposal_cost_eur": 0, "disposal_per": "t" },
      "logistics": { "max_distance_km": 15, "modes": ["pipe"] },
      "status": "active" }]
}
`;

/** The brief's example with its "..." placeholders filled in (an e-mail of "..." is rightly rejected). */
export const BRIEF_EXAMPLE_FILLED = BRIEF_EXAMPLE_TEXT.replace(
  '{ "name": "...", "email": "...", "phone": "..." }',
  '{ "name": "Energy desk", "email": "energy@acme-paper.example", "phone": "+49 211 555 0100" }',
)
  .replace('"address": "..."', '"address": "Papierstrasse 1, 40210 Düsseldorf"')
  .replace('"category": "..."', '"category": "process heat"');

/** Every key the entity schemas accept, so round trips cover all columns. */
export function everyKeyDocument(): ExchangeDocument {
  return {
    format: 'turash-exchange',
    version: 1,
    organizations: [
      {
        id: 'org-all',
        name: 'Everything GmbH, "quoted", with; semicolons',
        legal_form: 'GmbH',
        nace: 'C20.14',
        sector: 'Chemicals',
        employees: 250,
        trust: 0.65,
        readiness: 3,
        certifications: ['ISO 14001', 'odd;cert\\name'],
        sharing: 'private',
        contact: { name: 'Jörg Müller', email: 'jm@example.org', phone: '+49 (0)201 123-45' },
        notes: 'Line one\r\nline two, with "quotes"\nline three',
      },
    ],
    sites: [
      { id: 'site-all', organization_id: 'org-all', name: 'Works', address: 'Street 1, 45127 Essen', country: 'DE', lat: 51.4556432, lon: 7.0115552, kind: 'network_area', notes: 'n' },
    ],
    flows: [
      {
        id: 'flow-all',
        site_id: 'site-all',
        direction: 'demand',
        type: 'waste',
        name: 'All keys',
        description: 'desc',
        quantity: { amount: 1.5e-7, unit: 't/yr' },
        precision: 'measured',
        provenance: {
          kind: 'meter',
          source: 'meter 7',
          synthetic: false,
          recorded_at: '2024-05-01T10:00:00+02:00',
          device_id: 'dev-1',
          point_ids: ['p-1', 'p-2'],
          period: { from: '2024-01-01T00:00:00Z', to: '2024-04-30T23:00:00Z' },
          sample_count: 2880,
          coverage: 0.97,
        },
        quality: {
          temperature_c: { min: -10.5, max: 1200 },
          pressure_bar: { min: 0, max: 12.25 },
          purity_pct: 99.9,
          contamination_mg_kg: 1234567,
          ph: { min: 6.5, max: 8 },
          moisture_pct: 12,
          ewc: '070104*',
          hazardous: true,
          accepts_hazardous: true,
          accepted_ewc: ['070104*', '140603*'],
          category: 'solvent',
          recovery_operations: ['R2', 'R13'],
          waste_status: 'waste',
        },
        temporal: {
          weekly: [
            { days: 'mon-fri', from: 6, to: 22 },
            { days: 'sat,sun', from: 8, to: 12 },
          ],
          months: [1, 2, 12],
          start: '2024-01-01',
          end: '2026-12-31',
          profile: 'hotmaps:industry:chemicals_and_petrochemicals:DE',
        },
        economics: { price_eur: 50, price_per: 'MWh', disposal_cost_eur: 0, disposal_per: 't', price_asked_eur: 12.5, price_asked_per: 't', current_fuel: 'lignite' },
        logistics: { max_distance_km: 150, modes: ['truck', 'rail', 'ship'] },
        status: 'paused',
      },
      {
        id: 'flow-minimal',
        site_id: 'site-all',
        direction: 'supply',
        type: 'heat',
        name: 'Only the required keys',
        quantity: { amount: 0, unit: 'kW' },
      },
    ],
  };
}
