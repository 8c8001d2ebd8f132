/**
 * The trend of one point over the last minutes (uPlot: small, fast, made for time series).
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrendSeries } from './model.ts';

export function TrendChart({ series, label, unit }: { series: TrendSeries; label: string; unit?: string | undefined }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!host.current) return;
    const width = Math.max(300, host.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 200,
        scales: {
          x: {
            time: true,
            // uPlot spreads a single sample over years: show at least a minute around what there is.
            range: (_u, min, max) => (max - min < 60 ? [(min + max) / 2 - 30, (min + max) / 2 + 30] : [min, max]),
          },
        },
        series: [{}, { label: unit ? `${label} (${unit})` : label, stroke: '#2a7f8f', width: 1.5, spanGaps: false }],
        axes: [{}, { size: 60 }],
        legend: { show: true },
      },
      [[], []],
      host.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [label, unit]);

  useEffect(() => {
    plot.current?.setData([series.t.map((t) => t / 1000), series.v]);
  }, [series]);

  return <div ref={host} className="trend" data-testid="field-trend" />;
}
