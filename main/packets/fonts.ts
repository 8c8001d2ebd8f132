/**
 * The packet's fonts. pdfkit's built-in Helvetica (WinAnsi: Latin-1, €, dashes, quotes) covers
 * English and the German, Dutch and French names of the demo region without embedding anything.
 * When a packet's text has characters WinAnsi lacks (a Polish or Czech company name from the
 * Hotmaps database, a Greek site), DejaVu Sans is embedded instead, from the system's fonts
 * (Debian's fonts-dejavu-core, which CI installs); where it is not installed the missing
 * characters are spelled out or replaced (format.ts winAnsi) rather than printed as garbage.
 */
import { existsSync } from 'node:fs';
import { winAnsi } from './format.ts';
import type { Doc } from './layout.ts';

export const REGULAR = 'Body';
export const BOLD = 'Body-Bold';

const DEJAVU_DIR = process.env.TURASH_DEJAVU_DIR ?? '/usr/share/fonts/truetype/dejavu';
const DEJAVU = { regular: `${DEJAVU_DIR}/DejaVuSans.ttf`, bold: `${DEJAVU_DIR}/DejaVuSans-Bold.ttf` };

const unicodeDocs = new WeakSet<Doc>();

/** True when `text` has a character the built-in fonts cannot show. */
export const beyondWinAnsi = (text: string) => winAnsi(text) !== text.normalize('NFC');

export const dejaVuAvailable = () => existsSync(DEJAVU.regular) && existsSync(DEJAVU.bold);

/** Registers REGULAR and BOLD on `doc`: DejaVu when `unicode` is asked for and installed, else Helvetica. */
export function setupFonts(doc: Doc, unicode: boolean): 'helvetica' | 'dejavu' {
  if (unicode && dejaVuAvailable()) {
    doc.registerFont(REGULAR, DEJAVU.regular);
    doc.registerFont(BOLD, DEJAVU.bold);
    unicodeDocs.add(doc);
    return 'dejavu';
  }
  doc.registerFont(REGULAR, 'Helvetica');
  doc.registerFont(BOLD, 'Helvetica-Bold');
  return 'helvetica';
}

/** Text as `doc`'s fonts can show it. */
export const fit = (doc: Doc, text: string) => (unicodeDocs.has(doc) ? text.normalize('NFC') : winAnsi(text));
