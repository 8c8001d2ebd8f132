/**
 * A run's first results, shown in the run dialog while the rest of a large run is built, stored
 * and planned: its best matches by score (`preview` in the job's progress, match-service.ts). They
 * are the first rows the stored list shows once the run ends; they can be opened from there.
 */
import { formatEur, formatKm, formatQuantity, formatScore } from '../format.ts';
import { scoreColor, typeColor, typeLabel, type MatchJobEvent } from '../matching/model.ts';

export type PreviewRow = NonNullable<Extract<MatchJobEvent, { kind: 'progress' }>['preview']>[number];

/** Rows shown: enough to see the best partners without pushing the progress out of the dialog. */
const SHOWN = 8;

export function FirstResults({ rows }: { rows: PreviewRow[] }) {
  if (rows.length === 0) return null;
  return (
    <section className="first-results" aria-label="Best matches found" data-testid="first-results">
      <h3 className="run-subhead">Best matches found</h3>
      <p className="muted">Ranked and priced; stored with the rest and the regional plan when the run finishes, then open them from the match list.</p>
      <table className="first-results-table">
        <thead>
          <tr>
            <th scope="col">Score</th>
            <th scope="col">Supply → demand</th>
            <th scope="col" className="num">
              Distance
            </th>
            <th scope="col" className="num" title="Value of the exchange per year (before costs)">
              Value / year
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, SHOWN).map((r) => (
            <tr key={r.id} data-testid="first-result" data-match-id={r.id}>
              <td>
                <span className="score-dot" style={{ background: scoreColor(r.score) }} aria-hidden="true" /> {formatScore(r.score)}
              </td>
              <td>
                <div className="first-results-pair">
                  <span className="type-dot" style={{ background: typeColor(r.type) }} aria-hidden="true" /> {typeLabel(r.type)}, {formatQuantity(r.delivered_per_year)}
                </div>
                <div title={`${r.supply.flow_name} (${r.supply.organization_name}) → ${r.demand.flow_name} (${r.demand.organization_name})`}>
                  <b>{r.supply.site_name}</b> <span className="muted">{r.supply.flow_name}</span> → <b>{r.demand.site_name}</b> <span className="muted">{r.demand.flow_name}</span>
                </div>
              </td>
              <td className="num">{formatKm(r.distance_km)}</td>
              <td className="num">{formatEur(r.annual_value_eur)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
