/**
 * The sections of a partner packet, in order. Each takes the bundle and the partner the document
 * is for, and draws from the bundle only: what is not in the bundle cannot be in the PDF.
 */
import type { MeterSeries, PacketAllocation, PacketData, PacketHeat, PacketParty, Partner } from './bundle.ts';
import { drawLineChart, drawMeterChart, hourPoints, MONTH_LABELS } from './chart.ts';
import { BOLD } from './fonts.ts';
import { change, ctPerKwh, decimal, eur, hours, isoDate, km, mw, pct, quantity, score, share, tonnes, years } from './format.ts';
import { t, type StringKey } from './i18n.ts';
import { bullets, COLORS, CONTENT_WIDTH, ensureSpace, heading, keyValues, PAGE, paragraph, subheading, table, type Doc } from './layout.ts';
import { drawSiteMap } from './map.ts';

const typeName = (type: string) => t(`type.${type}` as StringKey);
const other = (p: Partner): Partner => (p === 'supply' ? 'demand' : 'supply');

/** The delivered quantity, as the summary and the templates state it. */
export function deliveredText(d: PacketData): string {
  const e = d.economics;
  return quantity(e.delivered.amount, e.delivered.unit);
}

export function titleBlock(doc: Doc, d: PacketData, partner: Partner): void {
  const me = d[partner];
  doc.font(BOLD).fontSize(22).fillColor(COLORS.head).text(t('doc.title'), PAGE.margin, PAGE.margin);
  doc.moveDown(0.2);
  paragraph(doc, t('doc.subtitle', { type: typeName(d.match.type), supply: d.supply.organization.name, demand: d.demand.organization.name }), { size: 12, bold: true });
  doc.moveDown(0.3);
  paragraph(doc, t('doc.for', { organization: me.organization.name }), { size: 11 });
  paragraph(doc, t(partner === 'supply' ? 'doc.role.supply' : 'doc.role.demand'));
  paragraph(doc, t('doc.match', { id: d.match.id, status: d.match.status, route: d.match.route }), { size: 8, color: COLORS.muted });
  paragraph(doc, t('doc.draft'), { size: 8, color: COLORS.muted });
  if (d.match.priced_by === 'v1') {
    doc.moveDown(0.3);
    paragraph(doc, t('doc.v1'), { size: 9, color: COLORS.supply, bold: true });
  }
}

/** The plan member's allocation, when the match is one. */
const allocationOf = (d: PacketData): PacketAllocation | null => (d.plan?.role === 'member' ? d.plan.allocation : null);

/** The allocated quantity as the packet states it (the plan's canonical unit: MWh/yr for heat). */
export function allocatedText(a: PacketAllocation): string {
  return quantity(a.allocated.amount, a.allocated.unit);
}

/** The summary's line on the regional plan. */
function planLine(d: PacketData): string | undefined {
  const a = allocationOf(d);
  if (a) return t('summary.plan.member', { allocated: allocatedText(a), share: share(a.share), npv: eur(a.npv_eur) });
  if (d.plan?.role === 'alternative') return t('summary.plan.alternative');
  if (d.plan?.role === 'none') return t('summary.plan.none');
  return undefined;
}

/** The levelised cost of heat the packet leads with: at the plan's allocation for a member, else the exchange's own. */
function lcohLine(d: PacketData): string | undefined {
  const a = allocationOf(d);
  if (a && a.lcoh_ct_per_kwh !== null) return t('summary.lcoh.value', { lcoh: ctPerKwh(a.lcoh_ct_per_kwh), basis: t('summary.lcoh.allocation') });
  const own = d.economics.heat?.lcoh_ct_per_kwh;
  return own === null || own === undefined ? undefined : t('summary.lcoh.value', { lcoh: ctPerKwh(own), basis: '' });
}

export function summary(doc: Doc, d: PacketData): void {
  const e = d.economics;
  heading(doc, t('section.summary'));
  const plan = planLine(d);
  const lcoh = lcohLine(d);
  const rows: [string, string][] = [
    [t('summary.what'), t('summary.what.value', { quantity: deliveredText(d), type: typeName(d.match.type), supplySite: d.supply.site.name, demandSite: d.demand.site.name })],
    ...(plan === undefined ? [] : [[t('summary.plan'), plan] as [string, string]]),
    ...(d.match.priced_by === 'v1' ? [[t('summary.method'), t('summary.method.v1')] as [string, string]] : []),
    [t('summary.how_much'), e.delivered.unit === e.delivered_per_year.unit ? deliveredText(d) : t('summary.how_much.value', { rate: deliveredText(d), annual: quantity(e.delivered_per_year.amount, e.delivered_per_year.unit) })],
    [t('summary.value'), t('econ.per_year', { amount: eur(e.annual_value_eur) })],
    [t('summary.co2'), t('summary.co2.value', { amount: tonnes(e.co2_t_per_year) })],
    [t('summary.distance'), km(d.match.distance_km)],
    [t('summary.npv'), eur(e.npv_eur)],
    ...(lcoh === undefined ? [] : [[t('summary.lcoh'), lcoh] as [string, string]]),
    [t('summary.payback'), years(e.payback_years, t('econ.none'))],
    [t('summary.score'), t('summary.score.value', { score: score(d.match.score), binding: t(`component.${d.match.binding_constraint ?? 'none'}` as StringKey) })],
    [t('summary.route'), d.match.route === 'automated' ? t('summary.route.automated') : t('summary.route.facilitated', { reasons: d.match.route_reasons.join(', ') || '-' })],
  ];
  if (d.match.relaxed.length) rows.push(['', t('summary.relaxed', { what: d.match.relaxed.join(', ') })]);
  keyValues(doc, rows);
}

function range(r: { min?: number | undefined; max?: number | undefined } | undefined, unit: string): string | undefined {
  if (!r || (r.min === undefined && r.max === undefined)) return undefined;
  if (r.min !== undefined && r.max !== undefined) return r.min === r.max ? `${r.min} ${unit}` : `${r.min} - ${r.max} ${unit}`;
  return r.min !== undefined ? `from ${r.min} ${unit}` : `up to ${r.max} ${unit}`;
}

function provenanceText(p: PacketParty['flow']['provenance']): string {
  if (!p) return t('provenance.manual');
  const parts = [t(`provenance.${p.kind}` as StringKey)];
  if (p.source) parts.push(p.source);
  if (p.kind === 'meter' && p.device_id) parts.push(t('provenance.meter.detail', { device: p.device_id, samples: p.sample_count ?? 0, coverage: pct(p.coverage ?? null) }));
  if (p.synthetic) parts.push(t('provenance.synthetic'));
  return parts.join('; ');
}

function flowBlock(doc: Doc, d: PacketData, side: Partner): void {
  const p = d[side];
  const f = p.flow;
  subheading(doc, t(side === 'supply' ? 'flow.heading.supply' : 'flow.heading.demand', { flow: f.name }));
  const q = f.quality ?? {};
  const rows: [string, string | undefined][] = [
    [t('flow.organization'), `${p.organization.name}${p.organization.sector ? ` (${p.organization.sector})` : ''}`],
    [t('flow.site'), [p.site.name, p.site.address, p.site.country].filter(Boolean).join(', ')],
    [t('flow.quantity'), t('flow.quantity.value', { amount: quantity(f.canonical.amount, f.canonical.unit).replace(/ \S+$/, ''), unit: f.canonical.unit, stated: `${f.quantity.amount} ${f.quantity.unit}` })],
    [t('flow.precision'), t(`precision.${f.precision ?? 'estimated'}` as StringKey)],
    [t('flow.provenance'), provenanceText(f.provenance)],
    [t('flow.temperature'), range(q.temperature_c, '°C')],
    [t('flow.pressure'), range(q.pressure_bar, 'bar')],
    [t('flow.purity'), q.purity_pct === undefined ? undefined : `${q.purity_pct} %`],
    [t('flow.ewc'), q.ewc ? `${q.ewc}${q.category ? ` (${q.category})` : ''}` : undefined],
    [t('flow.category'), !q.ewc && q.category ? q.category : undefined],
    [t('flow.waste_status'), q.waste_status ? t(`waste_status.${q.waste_status}`) : undefined],
    [t(side === 'supply' ? 'flow.recovery.supply' : 'flow.recovery.demand'), q.recovery_operations?.length ? q.recovery_operations.join(', ') : undefined],
    [t('flow.schedule'), t('flow.schedule.value', { hours: hours(f.hours_per_year) })],
    [t('flow.price'), f.economics?.price_eur === undefined ? undefined : `€${f.economics.price_eur} per ${f.economics.price_per ?? '?'}`],
    [t('flow.disposal'), f.economics?.disposal_cost_eur === undefined ? undefined : `€${f.economics.disposal_cost_eur} per ${f.economics.disposal_per ?? '?'}`],
    [t('flow.max_distance'), f.logistics?.max_distance_km === undefined ? undefined : km(f.logistics.max_distance_km)],
    [t('flow.modes'), f.logistics?.modes?.join(', ')],
  ];
  keyValues(doc, rows.filter((r): r is [string, string] => r[1] !== undefined));
  if (p.meter.length === 0) {
    if (f.precision === 'measured') paragraph(doc, t('flow.chart.none'), { size: 8.5, color: COLORS.muted });
    return;
  }
  for (const series of p.meter) meterChart(doc, series, side === 'supply' ? COLORS.supply : COLORS.demand);
}

function meterChart(doc: Doc, series: MeterSeries, color: string): void {
  const h = 110;
  ensureSpace(doc, h + 30);
  const y = doc.y;
  drawMeterChart(doc, { x: PAGE.margin, y, w: CONTENT_WIDTH, h }, series, color);
  doc.x = PAGE.margin;
  doc.y = y + h + 2;
  paragraph(doc, t('flow.chart.caption', { point: series.point_name, from: isoDate(series.from), to: isoDate(series.to), samples: series.samples }), { size: 8, color: COLORS.muted });
  doc.moveDown(0.3);
}

export function flows(doc: Doc, d: PacketData): void {
  heading(doc, t('section.flows'));
  flowBlock(doc, d, 'supply');
  flowBlock(doc, d, 'demand');
}

export function map(doc: Doc, d: PacketData): void {
  const h = 250;
  ensureSpace(doc, h + 70); // the heading moves with the map
  heading(doc, t('section.map'));
  const y = doc.y;
  drawSiteMap(
    doc,
    { x: PAGE.margin, y, w: CONTENT_WIDTH, h },
    { lat: d.supply.site.lat, lon: d.supply.site.lon, label: `${t('map.supply')}: ${d.supply.site.name}`, color: COLORS.supply },
    { lat: d.demand.site.lat, lon: d.demand.site.lon, label: `${t('map.demand')}: ${d.demand.site.name}`, color: COLORS.demand },
    d.match.distance_km,
  );
  doc.x = PAGE.margin;
  doc.y = y + h + 4;
  paragraph(doc, t('map.caption', { distance: km(d.match.distance_km) }), { size: 8, color: COLORS.muted });
}

const objectiveWords = (d: PacketData) => t(`econ.plan.objective.${d.plan?.objective ?? 'npv'}` as StringKey);

/** The regional plan: the allocation of a member, or why an alternative is not in it. */
function planBlock(doc: Doc, d: PacketData): void {
  const p = d.plan;
  if (!p) return;
  subheading(doc, t('econ.plan'));
  const head = { objective: objectiveWords(d), made: p.made_at ? isoDate(p.made_at) : '-', members: p.members ?? 0, gap: pct(p.gap ?? 0) };
  const a = allocationOf(d);
  if (!a) {
    paragraph(doc, p.role === 'alternative' ? t('econ.plan.alternative', head) : t('econ.plan.none'), { size: 9 });
    doc.moveDown(0.3);
    return;
  }
  paragraph(doc, t('econ.plan.member', { ...head, share: share(a.share) }), { size: 9 });
  doc.moveDown(0.3);
  const rows: [string, string | undefined][] = [
    [t('econ.plan.allocated'), t('econ.plan.allocated.value', { allocated: allocatedText(a), share: share(a.share) })],
    [t('econ.capex'), eur(a.capex_eur)],
    [t('econ.opex'), t('econ.per_year', { amount: eur(a.opex_eur_per_year) })],
    [t('econ.value'), t('econ.per_year', { amount: eur(a.annual_value_eur) })],
    [t('econ.npv'), eur(a.npv_eur)],
    [t('econ.irr'), pct(a.irr, t('econ.none'))],
    [t('econ.payback'), years(a.payback_years, t('econ.none'))],
    [t('econ.lcoh'), a.lcoh_ct_per_kwh === null ? undefined : t('econ.lcoh.value', { lcoh: ctPerKwh(a.lcoh_ct_per_kwh) })],
    [t('econ.co2'), t('summary.co2.value', { amount: tonnes(a.co2_t_per_year) })],
  ];
  keyValues(doc, rows.filter((r): r is [string, string] => r[1] !== undefined), 0.32);
}

/** What a district-heating planner checks of a heat exchange priced by the hour (domain.md 5.2), and its chart. */
function heatBlock(doc: Doc, d: PacketData, h: PacketHeat): void {
  subheading(doc, t('econ.heat'));
  const cb = d.economics.capex_breakdown;
  const pipes = cb?.pipes ?? 2;
  const hp = h.heat_pump;
  const rows: [string, string | undefined][] = [
    [t('econ.lcoh'), h.lcoh_ct_per_kwh === null ? undefined : t('econ.lcoh.value', { lcoh: ctPerKwh(h.lcoh_ct_per_kwh) })],
    [t('econ.heat.capacity'), t('econ.heat.capacity.value', { capacity: mw(h.capacity_mw), class: mw(h.pipe_class_mw), pipes })],
    [
      t('econ.heat.route'),
      cb?.pipe_eur_per_m === undefined || cb.pipe_eur === undefined
        ? undefined
        : t('econ.heat.route.value', { route: hours(h.route_m), factor: decimal(d.match.distance_km > 0 ? h.route_m / (d.match.distance_km * 1000) : 0, 2), pipes, eur_per_m: eur(cb.pipe_eur_per_m), pipe: eur(cb.pipe_eur) }),
    ],
    [
      t('econ.heat.capex'),
      cb?.source_hx_eur === undefined ? undefined : t('econ.heat.capex.value', { hx: eur((cb.source_hx_eur ?? 0) + (cb.sink_hx_eur ?? 0)), pump: eur(cb.pump_eur ?? 0), heat_pump: eur(cb.heat_pump_eur ?? 0) }),
    ],
    [t('econ.heat.losses'), t('econ.heat.losses.value', { w_per_m: decimal(h.loss_w_per_m, 2), mwh: hours(h.loss_mwh_per_year), flow: decimal(h.flow_temperature_c, 1), return: decimal(h.return_temperature_c, 1), soil: decimal(h.soil_temperature_c, 1) })],
    [
      t('econ.heat.energy'),
      t('econ.heat.energy.value', { available: hours(h.available_mwh_per_year), demand: hours(h.demand_mwh_per_year), delivered: hours(h.delivered_mwh_per_year), hours: hours(h.hours_delivering), peak: mw(h.peak_delivered_mw) }),
    ],
    [t('econ.heat.pumping'), t('econ.heat.pumping.value', { mwh: decimal(h.pumping_mwh_per_year, 1), eur: eur(h.pumping_eur_per_year), price: eur(h.electricity_eur_per_mwh) })],
    [
      t('econ.heat.heat_pump'),
      hp === null
        ? t('econ.heat.heat_pump.none')
        : t('econ.heat.heat_pump.value', { cop: decimal(hp.cop, 2), capex: eur(hp.capex_eur), mwh: hours(hp.electricity_mwh_per_year), eur: eur(hp.electricity_eur_per_year) }),
    ],
    [
      t('econ.heat.co2'),
      h.kind === 'cooling' ? undefined : t('econ.heat.co2.value', { fuel: h.fuel.replace(/_/g, ' '), avoided: tonnes(h.co2_avoided_fuel_t_per_year), electricity: tonnes(h.co2_electricity_t_per_year) }),
    ],
    [t('econ.heat.profiles'), t('econ.heat.profiles.value', { supply: h.supply_profile, demand: h.demand_profile })],
  ];
  keyValues(doc, rows.filter((r): r is [string, string] => r[1] !== undefined), 0.32);
  hourlyChart(doc, d, h);
}

/** The year hour by hour: available after the exchanger, demand, delivered (at the allocation for a plan member). */
function hourlyChart(doc: Doc, d: PacketData, h: PacketHeat): void {
  const y = d.hourly;
  if (!y) {
    paragraph(doc, t('econ.heat.chart.none'), { size: 8.5, color: COLORS.muted });
    return;
  }
  const height = 150;
  ensureSpace(doc, height + 40);
  const top = doc.y;
  // A supply far larger than the demand would flatten the demand and the delivered heat to a line
  // at the bottom: the axis then ends at 1.5 x the demand's peak and the supply's line is cut there.
  const peak = (values: readonly number[]) => values.reduce((m, v) => (v > m ? v : m), 0);
  const need = Math.max(peak(y.demand), peak(y.delivered));
  const available = peak(y.available);
  const yMax = need > 0 && available > 3 * need ? 1.5 * need : undefined;
  drawLineChart(
    doc,
    { x: PAGE.margin, y: top, w: CONTENT_WIDTH, h: height },
    [
      // the delivered heat as an area under the two lines it lies between
      { points: hourPoints(y.delivered), color: COLORS.delivered, width: 0.5, fill: COLORS.deliveredFill },
      { points: hourPoints(y.available), color: COLORS.supply, width: 0.4 },
      { points: hourPoints(y.demand), color: COLORS.demand, width: 0.4 },
    ],
    { x0: 0, x1: y.available.length - 1, xLabels: MONTH_LABELS, unit: 'MW', gap: Infinity, fromZero: true, ...(yMax === undefined ? {} : { yMax }) },
  );
  doc.x = PAGE.margin;
  doc.y = top + height + 2;
  const basis = t(d.plan?.role === 'member' ? 'econ.heat.chart.basis.member' : 'econ.heat.chart.basis.alone');
  const cut = yMax === undefined ? '' : t('econ.heat.chart.cut', { peak: mw(available) });
  paragraph(doc, `${t('econ.heat.chart.caption', { available: hours(h.available_mwh_per_year), demand: hours(h.demand_mwh_per_year), basis, delivered: hours(y.delivered_mwh_per_year) })}${cut}`, { size: 8, color: COLORS.muted });
  doc.moveDown(0.3);
}

export function economics(doc: Doc, d: PacketData): void {
  const e = d.economics;
  heading(doc, t('section.economics'));
  planBlock(doc, d);
  const source = (s: 'flow' | 'default' | 'none') => t(`econ.source.${s}` as StringKey);
  if (d.plan) subheading(doc, t('econ.alone'));
  keyValues(
    doc,
    [
      [t('econ.capex'), eur(e.capex_eur)],
      [t('econ.opex'), t('econ.per_year', { amount: eur(e.opex_eur_per_year) })],
      [t('econ.value'), t('econ.per_year', { amount: eur(e.annual_value_eur) })],
      [t('econ.cash_flow'), t('econ.per_year', { amount: eur(e.cash_flow_eur_per_year) })],
      [t('econ.npv'), eur(e.npv_eur)],
      [t('econ.irr'), pct(e.irr, t('econ.none'))],
      [t('econ.payback'), years(e.payback_years, t('econ.none'))],
      [t('econ.co2'), t('summary.co2.value', { amount: tonnes(e.co2_t_per_year) })],
      [t('econ.delivered'), `${deliveredText(d)}; ${quantity(e.delivered_per_year.amount, e.delivered_per_year.unit)}`],
      [t('econ.hours'), hours(e.hours_per_year)],
      [t('econ.price'), `€${e.price.eur_per_unit} per ${e.price.unit} (${source(e.price.source)})`],
      [t('econ.complexity'), t('econ.complexity.value', { level: t(`level.${e.complexity.level}` as StringKey), risk: t(`level.${e.complexity.risk_level}` as StringKey), cost: eur(e.complexity.exchange_cost_eur), npv: eur(e.complexity.npv_after_exchange_costs_eur) })],
    ] as [string, string][],
    0.32,
  );
  if (e.heat) heatBlock(doc, d, e.heat);
  subheading(doc, t('econ.assumptions'));
  bullets(doc, [
    t('econ.assumptions.basis', { rate: pct(d.basis.discount_rate), years: d.basis.horizon_years, maintenance: pct(d.basis.maintenance_rate) }),
    ...d.match.assumptions,
  ], 8.5);
  if (d.match.priced_by === 'v2') {
    subheading(doc, t('econ.method'));
    const method: StringKey[] = e.heat
      ? ['econ.method.hourly', 'econ.method.sizing', 'econ.method.losses', 'econ.method.heat_pump', 'econ.method.lcoh', 'econ.method.co2', 'econ.method.plan']
      : ['econ.method.plan'];
    bullets(doc, method.map((k) => t(k)), 8.5);
  }
  subheading(doc, t('econ.sensitivity'));
  const av = e.sensitivity.annual_value;
  const cx = e.sensitivity.capex;
  const rows = av.map((p, i) => [change(p.change), eur(p.npv_eur), eur(cx[i]!.npv_eur)]);
  const mid = rows.findIndex((_, i) => av[i]!.change > 0);
  rows.splice(mid < 0 ? rows.length : mid, 0, [`0 % (${t('econ.sensitivity.base')})`, eur(e.npv_eur), eur(e.npv_eur)]);
  table(
    doc,
    [
      { header: t('econ.sensitivity.change'), width: 0.3 },
      { header: t('econ.sensitivity.value'), width: 0.35, align: 'right' },
      { header: t('econ.sensitivity.capex'), width: 0.35, align: 'right' },
    ],
    rows,
  );
}

export function risks(doc: Doc, d: PacketData): void {
  heading(doc, t('section.risks'));
  if (d.risks.length === 0) return paragraph(doc, t('risk.none'));
  table(
    doc,
    [
      { header: t('risk.col.risk'), width: 0.27 },
      { header: t('risk.col.why'), width: 0.43 },
      { header: t('risk.col.source'), width: 0.3 },
    ],
    d.risks.map((r) => [r.title, r.why, r.source]),
    { size: 8.5, boldFirst: true },
  );
}

export function nextSteps(doc: Doc, d: PacketData): void {
  heading(doc, t('section.next'));
  const steps = [t('next.1'), t('next.2'), t('next.3'), t('next.4'), t('next.5')];
  if ([d.supply, d.demand].some((p) => p.flow.precision !== 'measured')) steps.splice(1, 0, t('next.measured'));
  bullets(doc, steps.map((s) => s.replace(/^\d+\. /, '')), 9.5, true);
}

export function contacts(doc: Doc, d: PacketData, partner: Partner): void {
  heading(doc, t('section.contacts'));
  // The recipient's partner first: that is whom they want to call.
  for (const side of [other(partner), partner]) {
    const o = d[side].organization;
    subheading(doc, t('contact.heading', { organization: o.name }));
    if (o.sharing === 'private') paragraph(doc, t('contact.private'));
    else if (!o.contact) paragraph(doc, t('contact.none'));
    else {
      const rows: [string, string | undefined][] = [
        [t('contact.name'), o.contact.name],
        [t('contact.email'), o.contact.email],
        [t('contact.phone'), o.contact.phone],
      ];
      keyValues(doc, rows.filter((r): r is [string, string] => r[1] !== undefined));
    }
  }
  paragraph(doc, t('contact.rule'), { size: 8, color: COLORS.muted });
}

function templateHead(doc: Doc, d: PacketData): void {
  paragraph(doc, t('template.note'), { size: 8.5, color: COLORS.supply, bold: true });
  doc.moveDown(0.4);
  paragraph(doc, t('template.parties', { supply: d.supply.organization.name, demand: d.demand.organization.name }));
  doc.moveDown(0.3);
  paragraph(doc, t('template.subject', { type: typeName(d.match.type), flowSupply: d.supply.flow.name, siteSupply: d.supply.site.name, flowDemand: d.demand.flow.name, siteDemand: d.demand.site.name, quantity: deliveredText(d) }));
  doc.moveDown(0.3);
  paragraph(doc, t('template.date', { date: d.templates.date }));
  doc.moveDown(0.5);
}

function signatures(doc: Doc, d: PacketData): void {
  doc.moveDown(1.2);
  for (const side of ['supply', 'demand'] as const) {
    paragraph(doc, t('template.signature', { organization: d[side].organization.name }));
    doc.moveDown(1.2);
  }
}

export function appendices(doc: Doc, d: PacketData): void {
  doc.addPage();
  heading(doc, t('section.appendix_nda'));
  templateHead(doc, d);
  for (const key of ['nda.1', 'nda.2', 'nda.3', 'nda.4', 'nda.5', 'nda.6'] as const) {
    paragraph(doc, t(key, { years: d.templates.nda_years, law: d.templates.law }));
    doc.moveDown(0.3);
  }
  signatures(doc, d);

  doc.addPage();
  heading(doc, t('section.appendix_loi'));
  templateHead(doc, d);
  const e = d.economics;
  const params = { quantity: deliveredText(d), type: typeName(d.match.type), siteDemand: d.demand.site.name, date: d.templates.date, capex: eur(e.capex_eur), value: t('econ.per_year', { amount: eur(e.annual_value_eur) }), npv: eur(e.npv_eur), decision: d.templates.decision_date };
  for (const key of ['loi.1', 'loi.2', 'loi.3', 'loi.4', 'loi.5'] as const) {
    paragraph(doc, t(key, params));
    doc.moveDown(0.3);
  }
  signatures(doc, d);

  heading(doc, t('section.appendix_sources'));
  const lines = [t('sources.engine', { engine: d.engine_version, computed: d.match.computed_at }), t(d.match.priced_by === 'v2' ? 'sources.method.v2' : 'sources.method'), t('sources.basemap')];
  if (d.attributions.hotmaps) lines.push(t('sources.hotmaps'));
  if (d.attributions.hotmaps_method) lines.push(t('sources.hotmaps_method'));
  if (d.attributions.hotmaps_profiles) lines.push(t('sources.hotmaps_profiles'));
  if (d.attributions.synthetic) lines.push(t('sources.synthetic'));
  bullets(doc, lines, 8.5);
}
