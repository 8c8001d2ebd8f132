/**
 * A meter chart for a measured flow: hourly means as a vector line over time, with the value range
 * on the left axis and the first and last date on the time axis. Vector paths (no image), so it
 * stays sharp when printed and costs a few kilobytes.
 */
import type { MeterSeries } from './bundle.ts';
import { REGULAR } from './fonts.ts';
import { COLORS, type Doc } from './layout.ts';

const grouped = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function drawMeterChart(doc: Doc, box: { x: number; y: number; w: number; h: number }, series: MeterSeries, color: string): void {
  const left = 44;
  const bottomPad = 14;
  const plot = { x: box.x + left, y: box.y + 12, w: box.w - left - 6, h: box.h - bottomPad - 14 };
  const points = series.hours;
  const t0 = points[0]![0];
  const t1 = Math.max(points[points.length - 1]![0], t0 + 3_600_000);
  let lo = Math.min(...points.map((p) => p[1]));
  let hi = Math.max(...points.map((p) => p[1]));
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const x = (t: number) => plot.x + ((t - t0) / (t1 - t0)) * plot.w;
  const y = (v: number) => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h;

  doc.save();
  doc.rect(plot.x, plot.y, plot.w, plot.h).fill('#fafbfc');
  // Horizontal grid at quarters, labelled with the value.
  doc.font(REGULAR).fontSize(6.5);
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const gy = y(v);
    doc.moveTo(plot.x, gy).lineTo(plot.x + plot.w, gy).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
    doc.fillColor(COLORS.muted).text(grouped.format(v), box.x, gy - 3, { width: left - 4, align: 'right', lineBreak: false });
  }
  // The series; a gap of more than 3 hours breaks the line instead of bridging missing data.
  let previous = -Infinity;
  for (const [t, v] of points) {
    if (t - previous > 3 * 3_600_000) doc.moveTo(x(t), y(v));
    else doc.lineTo(x(t), y(v));
    previous = t;
  }
  doc.lineWidth(0.8).strokeColor(color).stroke();
  doc.rect(plot.x, plot.y, plot.w, plot.h).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
  doc.fillColor(COLORS.muted).fontSize(6.5);
  doc.text(day(t0), plot.x, plot.y + plot.h + 3, { lineBreak: false });
  doc.text(day(t1), plot.x + plot.w - 60, plot.y + plot.h + 3, { width: 60, align: 'right', lineBreak: false });
  if (series.unit) doc.text(series.unit, box.x, box.y, { width: left - 4, align: 'right', lineBreak: false });
  doc.restore();
  doc.fillColor(COLORS.text);
}
