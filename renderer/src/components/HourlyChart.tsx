/**
 * A heat, steam or cooling exchange over the year (`matches.hourly`: 8,760 hourly values in MW):
 * what the supply offers after the exchanger, what the demand needs, and what arrives. Daily means
 * by default (readable at panel width), the full hourly resolution on request. The vertical scale
 * fits the exchange (demand and delivered); a supply far larger than the demand is then above the
 * chart, and the chart says so (or shows everything on request).
 *
 * uPlot, as the trend chart of the field view.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { apiProblem, client } from '../api.ts';
import { formatMw, formatNumber } from '../format.ts';
import { typeColor, type HourlySeries } from '../matching/model.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** First day (0-based) of each month in a 365-day year. */
const MONTH_STARTS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const AVAILABLE_COLOR = '#7b8794';
const DEMAND_COLOR = '#1d5fa8';

type Resolution = 'daily' | 'hourly';
type Fit = 'exchange' | 'all';

interface Series {
  x: number[];
  available: number[];
  demand: number[];
  delivered: number[];
}

/** x in days since 1 January (hour h -> h / 24); daily: the mean of each day's 24 hours at the day's middle. */
export function chartSeries(data: HourlySeries, resolution: Resolution): Series {
  if (resolution === 'hourly') {
    return { x: data.available.map((_, h) => h / 24), available: data.available, demand: data.demand, delivered: data.delivered };
  }
  const days = Math.floor(data.available.length / 24);
  const out: Series = { x: [], available: [], demand: [], delivered: [] };
  for (let d = 0; d < days; d++) {
    let a = 0;
    let q = 0;
    let r = 0;
    for (let h = d * 24; h < d * 24 + 24; h++) {
      a += data.available[h]!;
      q += data.demand[h]!;
      r += data.delivered[h]!;
    }
    out.x.push(d + 0.5);
    out.available.push(a / 24);
    out.demand.push(q / 24);
    out.delivered.push(r / 24);
  }
  return out;
}

const max = (xs: readonly number[]) => xs.reduce((m, v) => (v > m ? v : m), 0);

export function HourlyChart({ matchId, type }: { matchId: string; type: string }) {
  const hourly = useQuery({ queryKey: ['matches', 'hourly', matchId], queryFn: () => client.matches.hourly.query({ id: matchId }), staleTime: 60_000 });
  const [resolution, setResolution] = useState<Resolution>('daily');
  const [fit, setFit] = useState<Fit>('exchange');
  const host = useRef<HTMLDivElement>(null);
  const series = useMemo(() => (hourly.data ? chartSeries(hourly.data, resolution) : null), [hourly.data, resolution]);
  const peaks = useMemo(() => {
    if (!hourly.data) return null;
    return { available: max(hourly.data.available), demand: max(hourly.data.demand), delivered: max(hourly.data.delivered) };
  }, [hourly.data]);
  const top = series ? (fit === 'all' ? Math.max(max(series.available), max(series.demand), max(series.delivered)) * 1.05 : Math.max(max(series.demand), max(series.delivered)) * 1.2) : 0;
  const offScale = series !== null && max(series.available) > top * 1.001;

  useEffect(() => {
    const el = host.current;
    if (!el || !series) return;
    const color = typeColor(type);
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 190,
        scales: {
          x: { time: false, range: [0, 365] },
          y: { range: [0, top > 0 ? top : 1] },
        },
        series: [
          { label: 'Day', value: (_u, v) => (v === null || v === undefined ? '–' : dayLabel(v, resolution)) },
          { label: 'Available (supply after the exchanger)', stroke: AVAILABLE_COLOR, width: 1, value: (_u, v) => (v === null || v === undefined ? '–' : formatMw(v)) },
          { label: 'Delivered', stroke: color, fill: `${color}33`, width: 1.5, value: (_u, v) => (v === null || v === undefined ? '–' : formatMw(v)) },
          // Drawn over the delivered area: where they part, the demand is not met.
          { label: 'Demand', stroke: DEMAND_COLOR, width: 1.2, dash: [4, 3], value: (_u, v) => (v === null || v === undefined ? '–' : formatMw(v)) },
        ],
        axes: [
          { splits: () => MONTH_STARTS, values: (_u, splits) => splits.map((d) => MONTHS[MONTH_STARTS.indexOf(d)] ?? ''), size: 28, grid: { stroke: '#eef1f4' } },
          { label: 'MW', labelSize: 16, size: 50, values: (_u, splits) => splits.map((v) => formatNumber(v)), grid: { stroke: '#eef1f4' } },
        ],
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
      },
      [series.x, series.available, series.delivered, series.demand],
      el,
    );
    const resize = new ResizeObserver(() => {
      const width = Math.max(280, el.clientWidth);
      if (Math.abs(width - plot.width) > 2) plot.setSize({ width, height: 190 });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, top, type, resolution]);

  return (
    <figure className="hourly-chart" data-testid="hourly-chart" data-resolution={resolution} data-points={series?.x.length ?? 0}>
      <figcaption>
        <span>
          Over the year, {resolution === 'daily' ? 'daily means' : 'every hour'} <span className="muted">(MW)</span>
        </span>
        <span className="seg" role="group" aria-label="Resolution">
          <button type="button" className={resolution === 'daily' ? 'active' : ''} aria-pressed={resolution === 'daily'} onClick={() => setResolution('daily')} data-testid="hourly-daily">
            daily
          </button>
          <button type="button" className={resolution === 'hourly' ? 'active' : ''} aria-pressed={resolution === 'hourly'} onClick={() => setResolution('hourly')} data-testid="hourly-hourly">
            hourly
          </button>
        </span>
        <span className="seg" role="group" aria-label="Vertical scale">
          <button type="button" className={fit === 'exchange' ? 'active' : ''} aria-pressed={fit === 'exchange'} onClick={() => setFit('exchange')} title="Fit the scale to the demand and the delivered heat" data-testid="hourly-fit-exchange">
            fit exchange
          </button>
          <button type="button" className={fit === 'all' ? 'active' : ''} aria-pressed={fit === 'all'} onClick={() => setFit('all')} title="Show the whole supply" data-testid="hourly-fit-all">
            show all
          </button>
        </span>
      </figcaption>
      {hourly.isPending ? (
        <div className="skeleton-block chart-skeleton" />
      ) : hourly.error ? (
        <p className="form-message error small">Could not compute the hours: {apiProblem(hourly.error).message}</p>
      ) : hourly.data === null ? (
        <p className="muted small">No hourly profile for this exchange.</p>
      ) : (
        <>
          <div
            ref={host}
            className="hourly-plot"
            role="img"
            aria-label={`Power in MW over the year, January to December (${resolution === 'daily' ? 'daily means' : 'every hour'}): available supply after the exchanger, demand and delivered`}
            data-testid="hourly-plot"
          />
          {offScale && peaks && (
            <p className="muted small" data-testid="hourly-offscale">
              The supply offers up to {formatMw(peaks.available)} after the exchanger, far above this exchange: its line runs above the chart (“show all” to see it).
            </p>
          )}
          {peaks && (
            <p className="muted small">
              Peaks over the year: available {formatMw(peaks.available)}, demand {formatMw(peaks.demand)}, delivered {formatMw(peaks.delivered)}. Delivered = min(supply × 0.9 − pipe losses, demand) every hour.
            </p>
          )}
        </>
      )}
    </figure>
  );
}

/** "12 Mar" for a day value; with hourly resolution "12 Mar 14:00". */
function dayLabel(x: number, resolution: Resolution): string {
  const day = Math.floor(x);
  let m = 0;
  while (m < 11 && MONTH_STARTS[m + 1]! <= day) m++;
  const text = `${day - MONTH_STARTS[m]! + 1} ${MONTHS[m]}`;
  if (resolution === 'daily') return text;
  const hour = Math.round((x - day) * 24);
  return `${text} ${String(hour).padStart(2, '0')}:00`;
}
