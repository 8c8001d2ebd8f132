/**
 * Layout primitives of a packet page (pdfkit, A4, built-in Helvetica): headings, paragraphs,
 * label/value lists and tables that break across pages without splitting a row, and the footer
 * stamped on every page at the end (page N of M needs the final page count).
 */
import PDFDocument from 'pdfkit';
import { BOLD, fit, REGULAR, setupFonts } from './fonts.ts';

export type Doc = PDFKit.PDFDocument;

export const PAGE = { margin: 50, width: 595.28, height: 841.89 } as const;
export const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
/** Room kept free at the bottom of every page for the footer. */
const FOOTER_SPACE = 36;
export const COLORS = { text: '#1d2327', muted: '#5f6b73', rule: '#c9d1d6', head: '#0b5d6b', band: '#eef3f5', supply: '#d9480f', demand: '#1864ab', delivered: '#2b8a3e', deliveredFill: '#d3f0d9' } as const;

export function newDocument(title: string, author: string, created: Date, unicode = false): Doc {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.margin, bottom: PAGE.margin + FOOTER_SPACE, left: PAGE.margin, right: PAGE.margin },
    bufferPages: true,
    info: { Title: title, Author: author, Creator: 'Turash Field', CreationDate: created },
  });
  setupFonts(doc, unicode);
  doc.font(REGULAR);
  return doc;
}

export const bottom = (doc: Doc) => doc.page.height - doc.page.margins.bottom;

/** Starts a new page when fewer than `height` points are left on this one. */
export function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottom(doc)) doc.addPage();
}

export function heading(doc: Doc, text: string, size = 14): void {
  ensureSpace(doc, size * 4);
  doc.moveDown(0.6);
  doc.font(BOLD).fontSize(size).fillColor(COLORS.head).text(fit(doc, text), PAGE.margin, doc.y, { width: CONTENT_WIDTH });
  doc.moveDown(0.3);
  doc.fillColor(COLORS.text);
}

export function subheading(doc: Doc, text: string): void {
  ensureSpace(doc, 40);
  doc.moveDown(0.4);
  doc.font(BOLD).fontSize(10.5).fillColor(COLORS.text).text(fit(doc, text), PAGE.margin, doc.y, { width: CONTENT_WIDTH });
  doc.moveDown(0.2);
}

export function paragraph(doc: Doc, text: string, options: { size?: number; color?: string; bold?: boolean } = {}): void {
  const size = options.size ?? 9.5;
  doc.font(options.bold ? BOLD : REGULAR).fontSize(size);
  ensureSpace(doc, doc.heightOfString(fit(doc, text), { width: CONTENT_WIDTH }) + 2);
  doc.fillColor(options.color ?? COLORS.text).text(fit(doc, text), PAGE.margin, doc.y, { width: CONTENT_WIDTH });
  doc.fillColor(COLORS.text);
}

export function bullets(doc: Doc, items: string[], size = 9.5, numbered = false): void {
  for (const [index, item] of items.entries()) {
    doc.font(REGULAR).fontSize(size);
    const text = fit(doc, item);
    const h = doc.heightOfString(text, { width: CONTENT_WIDTH - 14 });
    ensureSpace(doc, h + 2);
    const y = doc.y;
    doc.fillColor(COLORS.text).text(numbered ? `${index + 1}.` : '•', PAGE.margin + 2, y, { width: 12 });
    doc.text(text, PAGE.margin + 14, y, { width: CONTENT_WIDTH - 14 });
    doc.moveDown(0.15);
  }
}

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

/**
 * A table: header row on a band, then rows; a row that does not fit starts a new page, where the
 * header is repeated. Widths are fractions of the content width.
 */
export function table(doc: Doc, columns: Column[], rows: string[][], options: { size?: number; boldFirst?: boolean } = {}): void {
  const size = options.size ?? 9;
  const pad = 3;
  const widths = columns.map((c) => c.width * CONTENT_WIDTH);
  const rowHeight = (cells: string[], bold: boolean) =>
    Math.max(...cells.map((cell, i) => doc.font(bold || (options.boldFirst && i === 0) ? BOLD : REGULAR).fontSize(size).heightOfString(fit(doc, cell), { width: widths[i]! - 2 * pad }))) + 2 * pad;
  const drawRow = (cells: string[], header: boolean) => {
    const h = rowHeight(cells, header);
    const y = doc.y;
    if (header) doc.rect(PAGE.margin, y, CONTENT_WIDTH, h).fill(COLORS.band);
    let x = PAGE.margin;
    cells.forEach((cell, i) => {
      doc.font(header || (options.boldFirst && i === 0) ? BOLD : REGULAR).fontSize(size).fillColor(header ? COLORS.head : COLORS.text);
      doc.text(fit(doc, cell), x + pad, y + pad, { width: widths[i]! - 2 * pad, align: columns[i]!.align ?? 'left' });
      x += widths[i]!;
    });
    doc.moveTo(PAGE.margin, y + h).lineTo(PAGE.margin + CONTENT_WIDTH, y + h).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    doc.x = PAGE.margin;
    doc.y = y + h;
  };
  const headers = columns.map((c) => c.header);
  ensureSpace(doc, rowHeight(headers, true) + (rows[0] ? rowHeight(rows[0], false) : 0));
  drawRow(headers, true);
  for (const row of rows) {
    if (doc.y + rowHeight(row, false) > bottom(doc)) {
      doc.addPage();
      drawRow(headers, true);
    }
    drawRow(row, false);
  }
  doc.moveDown(0.4);
}

/** Label/value pairs as a two-column table without a header band. */
export function keyValues(doc: Doc, rows: [string, string][], labelWidth = 0.3): void {
  const size = 9.5;
  const lw = labelWidth * CONTENT_WIDTH;
  const vw = CONTENT_WIDTH - lw;
  for (const [label, value] of rows) {
    doc.font(REGULAR).fontSize(size);
    const h = Math.max(doc.heightOfString(fit(doc, value), { width: vw - 4 }), doc.font(BOLD).heightOfString(fit(doc, label), { width: lw - 6 })) + 3;
    ensureSpace(doc, h);
    const y = doc.y;
    doc.font(BOLD).fillColor(COLORS.muted).text(fit(doc, label), PAGE.margin, y, { width: lw - 6 });
    doc.font(REGULAR).fillColor(COLORS.text).text(fit(doc, value), PAGE.margin + lw, y, { width: vw - 4 });
    doc.x = PAGE.margin;
    doc.y = y + h;
  }
  doc.moveDown(0.3);
}

/** Stamps `lines(page, pages)` at the bottom of every buffered page. */
export function stampFooters(doc: Doc, lines: (page: number, pages: number) => string[]): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would make pdfkit open a new page: lift the margin first.
    const keep = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const text = lines(i - range.start + 1, range.count);
    let y = doc.page.height - PAGE.margin - 4;
    doc.moveTo(PAGE.margin, y - 4).lineTo(PAGE.width - PAGE.margin, y - 4).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    doc.font(REGULAR).fontSize(7).fillColor(COLORS.muted);
    for (const line of text) {
      doc.text(fit(doc, line), PAGE.margin, y, { width: CONTENT_WIDTH, align: 'center', lineBreak: false });
      y += 9;
    }
    doc.page.margins.bottom = keep;
  }
}

/** The finished document as one Buffer. */
export function toBuffer(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}
