// The two rule tables of a packet: who sees a contact (sharing.ts) and which risks and permits
// are listed (risks.ts), plus the text guard for the PDF's built-in fonts (format.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eur, pct, winAnsi } from './format.ts';
import { risksFor, type RiskContext } from './risks.ts';
import { visibleContact } from './sharing.ts';

const contact = { name: 'Jürgen Größmann', email: 'jg@example.org', phone: '+49 201 555 01' };

test('contacts: public to everyone, partners to the named partner only (the default), private to nobody', () => {
  assert.deepEqual(visibleContact('public', contact, 'public'), contact);
  assert.deepEqual(visibleContact('partners', contact, 'partner'), contact);
  assert.equal(visibleContact('partners', contact, 'public'), undefined);
  assert.deepEqual(visibleContact(undefined, contact, 'partner'), contact, 'no level stated: partners');
  assert.equal(visibleContact(undefined, contact, 'public'), undefined);
  assert.equal(visibleContact('private', contact, 'partner'), undefined);
  assert.equal(visibleContact('public', {}, 'public'), undefined, 'an empty contact is no contact');
});

const base: RiskContext = { supplyType: 'heat', demandType: 'heat', distanceKm: 3, crossBorder: false, ewc: undefined, hazardous: false, modes: ['pipe'], maxTemperatureC: 90, maxPressureBar: undefined, words: '' };
const ids = (c: Partial<RiskContext>) => risksFor({ ...base, ...c }).map((r) => r.id);

test('risks follow the flows: pipes, pressure, waste, hazardous waste, borders, feed', () => {
  assert.deepEqual(ids({}), ['pipe_route', 'heat_supply']);
  assert.ok(ids({ distanceKm: 8 }).includes('long_pipe'));
  assert.ok(ids({ maxTemperatureC: 180 }).includes('pressure'), 'hot water above 110 °C is pressurised');
  assert.ok(ids({ supplyType: 'steam', demandType: 'steam' }).includes('pressure'));
  const waste = ids({ supplyType: 'waste', demandType: 'material', ewc: '030305', modes: ['truck'] });
  assert.deepEqual(waste, ['waste_status', 'waste_transport']);
  const hazardous = ids({ supplyType: 'waste', demandType: 'waste', ewc: '070101*', modes: ['truck'], crossBorder: true });
  assert.ok(hazardous.includes('hazardous') && hazardous.includes('transboundary') && !hazardous.includes('waste_status'), hazardous.join());
  assert.ok(ids({ crossBorder: true }).includes('cross_border'));
  assert.ok(ids({ supplyType: 'material', demandType: 'material', modes: ['truck'], words: "brewers' spent grain animal feed" }).includes('feed'));
  for (const r of risksFor({ ...base, supplyType: 'waste', ewc: '070101*', crossBorder: true })) assert.ok(r.source.length > 10, `${r.id} names its source`);
});

test('text for the built-in fonts: umlauts, € and ° pass; what WinAnsi lacks is spelled out', () => {
  assert.equal(winAnsi('Müller Fördertechnik GmbH, Straße, 90 °C, €'), 'Müller Fördertechnik GmbH, Straße, 90 °C, €');
  assert.equal(winAnsi('CO₂ ≥ 95 %'), 'CO2 >= 95 %');
  assert.equal(eur(-253306.4), '-€253,306');
  assert.equal(eur(1549300), '€1,549,300');
  assert.equal(pct(0.61), '61.0 %');
  assert.equal(pct(null, 'none'), 'none');
});
