/**
 * `renderPacketPdf(data, partner)`: the partner packet of one organisation as a PDF (pdfkit,
 * built-in Helvetica, A4), drawn from the `turash-packet` bundle only.
 */
import type { PacketData, Partner } from './bundle.ts';
import { beyondWinAnsi } from './fonts.ts';
import { isoMinute } from './format.ts';
import { t } from './i18n.ts';
import { newDocument, stampFooters, toBuffer } from './layout.ts';
import * as section from './sections.ts';

export async function renderPacketPdf(data: PacketData, partner: Partner): Promise<Buffer> {
  const me = data[partner].organization;
  // Helvetica unless the packet's own text needs more (then DejaVu, embedded): see fonts.ts.
  const doc = newDocument(`${t('doc.title')}: ${data.supply.organization.name} -> ${data.demand.organization.name}`, me.name, new Date(data.generated_at), beyondWinAnsi(JSON.stringify(data)));
  section.titleBlock(doc, data, partner);
  section.summary(doc, data);
  section.flows(doc, data);
  section.map(doc, data);
  section.economics(doc, data);
  section.risks(doc, data);
  section.nextSteps(doc, data);
  section.contacts(doc, data, partner);
  section.appendices(doc, data);
  stampFooters(doc, (page, pages) => {
    const lines = [t('footer.generated', { app: data.app_version, engine: data.engine_version, time: isoMinute(data.generated_at), page, pages })];
    if (data.attributions.hotmaps) lines.push(t('footer.hotmaps'));
    if (data.attributions.hotmaps_method) lines.push(t('footer.hotmaps_method', { profiles: data.attributions.hotmaps_profiles ? t('footer.hotmaps_profiles') : '' }));
    return lines;
  });
  return toBuffer(doc);
}
