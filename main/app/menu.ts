/**
 * The application menu and the texts of its dialogs, pure (types only from electron) so that what
 * a packaged build offers (no DevTools) is tested in plain Node.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { ImportReport } from '../portfolio/import-file.ts';
import { HOTMAPS_ATTRIBUTION } from '../interchange/hotmaps.ts';
import { APP_NAME, APP_VERSION } from '../version.ts';

export interface MenuActions {
  /** File > Import…: pick files and import them into the local graph. */
  importFiles(): void;
  /** Help > About: versions of the app and its runtime. */
  about(): void;
}

export interface MenuInput {
  platform: NodeJS.Platform;
  /** Development build (not packaged): the View menu offers DevTools. */
  development: boolean;
  actions: MenuActions;
}

export function applicationMenuTemplate({ platform, development, actions }: MenuInput): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const about: MenuItemConstructorOptions = { id: 'about', label: `About ${APP_NAME}`, click: () => actions.about() };
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) {
    template.push({
      label: APP_NAME,
      submenu: [about, { type: 'separator' }, { role: 'services' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
    });
  }
  template.push({
    label: '&File',
    submenu: [
      { id: 'import', label: 'Import…', accelerator: 'CmdOrCtrl+O', click: () => actions.importFiles() },
      { type: 'separator' },
      isMac ? { role: 'close' } : { id: 'quit', role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' },
    ],
  });
  template.push({
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });
  const view: MenuItemConstructorOptions[] = [{ id: 'reload', role: 'reload' }];
  if (development) view.push({ id: 'toggle-devtools', role: 'toggleDevTools' });
  view.push({ type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' });
  template.push({ label: '&View', submenu: view });
  template.push({ label: '&Help', role: 'help', submenu: isMac ? [] : [about] });
  return template;
}

/** Collects every item id and role of a template, depth first (for tests and checks). */
export function menuEntries(template: MenuItemConstructorOptions[]): string[] {
  const out: string[] = [];
  const walk = (items: MenuItemConstructorOptions[]) => {
    for (const item of items) {
      if (item.id) out.push(item.id);
      if (item.role) out.push(`role:${item.role}`);
      if (Array.isArray(item.submenu)) walk(item.submenu);
    }
  };
  walk(template);
  return out;
}

/** The app's licence (package.json "license"). */
export const APP_LICENSE = 'Apache License 2.0 (Apache-2.0)';

/** The data the app ships, with their licences (shown in About). */
export const DATA_ATTRIBUTIONS: readonly { name: string; licence: string; text: string }[] = [
  { name: 'Hotmaps Industrial Database', licence: 'CC BY 4.0', text: HOTMAPS_ATTRIBUTION },
  {
    name: 'Natural Earth',
    licence: 'public domain',
    text: 'Basemap land and country borders: Natural Earth (naturalearthdata.com), public domain, via world-atlas (ISC).',
  },
];

/** The About dialog's detail: app version, runtime versions (process.versions), licence, data attributions. */
export function aboutDetail(versions: Partial<Record<'electron' | 'chrome' | 'node' | 'v8', string>>, platform = `${process.platform} ${process.arch}`): string {
  return [
    `Version ${APP_VERSION}`,
    '',
    `Electron ${versions.electron ?? 'unknown'}`,
    `Chromium ${versions.chrome ?? 'unknown'}`,
    `Node.js ${versions.node ?? 'unknown'}`,
    `V8 ${versions.v8 ?? 'unknown'}`,
    `Platform ${platform}`,
    '',
    `Licensed under the ${APP_LICENSE}.`,
    '',
    'Data:',
    ...DATA_ATTRIBUTIONS.map((d) => `• ${d.name} (${d.licence}). ${d.text}`),
  ].join('\n');
}

/** File > Import… accepts what the import understands: exchange JSON/CSV and the Hotmaps CSV. */
export const IMPORT_DIALOG_FILTERS = [
  { name: 'Portfolio files (JSON, CSV)', extensions: ['json', 'csv'] },
  { name: 'All files', extensions: ['*'] },
];
/** As the appRouter's imports.start: at most 3 files (the CSV tables of one portfolio), 64 MiB each. */
export const MAX_IMPORT_FILES = 3;
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** Checks the chosen files before reading them; returns the problem to show, or undefined. */
export function importSelectionProblem(files: { path: string; size: number }[]): string | undefined {
  if (files.length === 0) return 'no file chosen';
  if (files.length > MAX_IMPORT_FILES) return `choose at most ${MAX_IMPORT_FILES} files (the tables of one portfolio), not ${files.length}`;
  const big = files.find((f) => f.size > MAX_IMPORT_BYTES);
  if (big) return `${big.path} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MiB`;
  return undefined;
}

/** The message box after an import from the menu: what was imported, or every problem (capped). */
export function importReportMessage(report: ImportReport, maxProblems = 12): { type: 'info' | 'warning'; message: string; detail: string } {
  const files = report.files.join(', ');
  if (report.ok) {
    const s = report.summary;
    const lines = [
      `${s.organizations} organizations, ${s.sites} sites, ${s.flows} flows read (${report.format}).`,
      `${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged.`,
    ];
    if (report.skipped.length) lines.push(`${report.skipped.length} records skipped, e.g. line ${report.skipped[0]!.line}: ${report.skipped[0]!.reason}`);
    return { type: 'info', message: `Imported ${files}`, detail: lines.join('\n') };
  }
  const shown = report.problems.slice(0, maxProblems).map((p) => {
    const where = [p.file, p.line !== undefined ? `line ${p.line}` : undefined, p.record, p.field].filter(Boolean).join(', ');
    return where ? `${where}: ${p.reason}` : p.reason;
  });
  if (report.problems.length > maxProblems) shown.push(`… and ${report.problems.length - maxProblems} more`);
  return { type: 'warning', message: `Nothing was imported from ${files}: fix these problems and import again`, detail: shown.join('\n') };
}
