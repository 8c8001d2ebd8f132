/**
 * Line charts of a packet: a meter's hourly means over its last days, and a heat exchange hour by
 * hour over a year (available, demand, delivered). One drawing for both: vector lines over time,
 * the value range on the left axis, labels on the time axis. Vector paths (no image), so a chart
 * stays sharp when printed and costs a few kilobytes.
 */
import type { MeterSeries } from './bundle.ts';
import { REGULAR } from './fonts.ts';
import { COLORS, type Doc } from './layout.ts';

const grouped = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });
const fine = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const HOUR = 3_600_000;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One line: points [x, value] in increasing x; a step wider than `gap` breaks the line. */
export interface ChartLine {
  points: readonly (readonly [number, number])[];
  color: string;
  width?: number;
  /** Fill the area under the line (lightly) before stroking it. */
  fill?: string;
}

export interface ChartOptions {
  /** Range of the time axis. */
  x0: number;
  x1: number;
  /** Labels on the time axis: [x, text]. */
  xLabels: readonly (readonly [number, string])[];
  /** Unit printed above the value axis. */
  unit: string | null;
  /** A step in x wider than this breaks a line instead of bridging missing data. */
  gap: number;
  /** Start the value axis at 0 (powers of an exchange); else it hugs the data. */
  fromZero?: boolean;
  /** Top of the value axis: higher values are drawn at the top edge (a supply far larger than the demand). */
  yMax?: number;
}

/**
 * Two points per `bucket` of x (the lowest and the highest of each, in their order): a year of hours
 * on a page-wide chart with a bucket per point of width draws the same picture as every hour, with
 * a fifth of the path.
 */
export function envelope(points: readonly (readonly [number, number])[], bucket: number): (readonly [number, number])[] {
  if (points.length < 8 || !(bucket > 0)) return [...points];
  const out: (readonly [number, number])[] = [];
  let i = 0;
  while (i < points.length) {
    const key = Math.floor(points[i]![0] / bucket);
    let j = i;
    let lo = i;
    let hi = i;
    while (j < points.length && Math.floor(points[j]![0] / bucket) === key) {
      if (points[j]![1] < points[lo]![1]) lo = j;
      if (points[j]![1] > points[hi]![1]) hi = j;
      j++;
    }
    if (lo === hi) out.push(points[lo]!);
    else if (lo < hi) out.push(points[lo]!, points[hi]!);
    else out.push(points[hi]!, points[lo]!);
    i = j;
  }
  return out;
}

/** Draws `lines` in `box`, in order (the last one on top). */
export function drawLineChart(doc: Doc, box: Box, lines: readonly ChartLine[], options: ChartOptions): void {
  const left = 44;
  const bottomPad = 14;
  const plot = { x: box.x + left, y: box.y + 12, w: box.w - left - 6, h: box.h - bottomPad - 14 };
  let lo = Infinity;
  let hi = -Infinity;
  for (const line of lines) {
    for (const [, v] of line.points) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (options.fromZero) lo = Math.min(0, lo);
  const clip = options.yMax !== undefined && options.yMax > lo && options.yMax < hi ? options.yMax : Infinity;
  if (clip !== Infinity) hi = clip;
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.05;
  if (!options.fromZero) lo -= pad;
  hi += pad;
  const span = Math.max(options.x1 - options.x0, 1e-9);
  const x = (t: number) => plot.x + ((t - options.x0) / span) * plot.w;
  const y = (v: number) => plot.y + plot.h - (((v > clip ? clip : v) - lo) / (hi - lo)) * plot.h;
  // a bucket per point of width (a print's line is 0.4 to 0.8 points wide)
  const bucket = span / plot.w;
  const label = hi - lo < 10 ? fine : grouped;

  doc.save();
  doc.rect(plot.x, plot.y, plot.w, plot.h).fill('#fafbfc');
  // Horizontal grid at quarters, labelled with the value.
  doc.font(REGULAR).fontSize(6.5);
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const gy = y(v);
    doc.moveTo(plot.x, gy).lineTo(plot.x + plot.w, gy).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
    doc.fillColor(COLORS.muted).text(label.format(v), box.x, gy - 3, { width: left - 4, align: 'right', lineBreak: false });
  }
  for (const line of lines) {
    const points = points4(line.points, bucket, options.gap);
    if (points.length === 0) continue;
    if (line.fill) {
      // the area under the line, one closed path per unbroken run
      let start = 0;
      for (let i = 1; i <= points.length; i++) {
        if (i === points.length || points[i]![0] - points[i - 1]![0] > options.gap) {
          doc.moveTo(x(points[start]![0]), y(lo));
          for (let k = start; k < i; k++) doc.lineTo(x(points[k]![0]), y(points[k]![1]));
          doc.lineTo(x(points[i - 1]![0]), y(lo)).closePath();
          start = i;
        }
      }
      doc.fillColor(line.fill).fill();
    }
    let previous = Number.NaN;
    for (const [t, v] of points) {
      if (Number.isNaN(previous) || t - previous > options.gap) doc.moveTo(x(t), y(v));
      else doc.lineTo(x(t), y(v));
      previous = t;
    }
    doc.lineWidth(line.width ?? 0.8).strokeColor(line.color).stroke();
  }
  doc.rect(plot.x, plot.y, plot.w, plot.h).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
  doc.fillColor(COLORS.muted).fontSize(6.5);
  for (const [t, text] of options.xLabels) {
    const at = x(t);
    const w = 60;
    const align = at > plot.x + plot.w - w / 2 ? 'right' : at < plot.x + w / 2 ? 'left' : 'center';
    const lx = align === 'right' ? at - w : align === 'left' ? at : at - w / 2;
    doc.text(text, lx, plot.y + plot.h + 3, { width: w, align, lineBreak: false });
  }
  if (options.unit) doc.text(options.unit, box.x, box.y, { width: left - 4, align: 'right', lineBreak: false });
  doc.restore();
  doc.fillColor(COLORS.text);
}

/** Decimates a line to its envelope only where no gap breaks it inside a bucket (a break must stay a break). */
function points4(points: readonly (readonly [number, number])[], bucket: number, gap: number): readonly (readonly [number, number])[] {
  return bucket > gap ? points : envelope(points, bucket);
}

/** A meter point's hourly means; the first and last date on the time axis; a gap of more than 3 hours breaks the line. */
export function drawMeterChart(doc: Doc, box: Box, series: MeterSeries, color: string): void {
  const points = series.hours;
  const t0 = points[0]![0];
  const t1 = Math.max(points[points.length - 1]![0], t0 + HOUR);
  drawLineChart(doc, box, [{ points, color }], {
    x0: t0,
    x1: t1,
    xLabels: [
      [t0, day(t0)],
      [t1, day(t1)],
    ],
    unit: series.unit,
    gap: 3 * HOUR,
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** The first hour of each month of the heat model's year (8,760 hours, no 29 February), labelled. */
export const MONTH_LABELS: readonly (readonly [number, string])[] = (() => {
  const out: [number, string][] = [];
  let h = 0;
  DAYS_IN_MONTH.forEach((days, m) => {
    out.push([h, MONTHS[m]!]);
    h += days * 24;
  });
  return out;
})();

/** Hourly values (index = hour of the year) as chart points. */
export const hourPoints = (values: readonly number[], scale = 1): [number, number][] => values.map((v, h) => [h, v * scale]);
