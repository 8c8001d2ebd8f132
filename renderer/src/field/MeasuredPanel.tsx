/**
 * For each flow the device's points are bound to: how much of the minimum period the recorded data
 * cover so far, and whether the flow is measured (main/ingest's rule: period and coverage).
 */
import { useQuery } from '@tanstack/react-query';
import { apiProblem, client } from '../api.ts';
import type { Point } from './model.ts';

type Flow = { id: string; name: string; precision?: string | undefined };
type Evaluation = { met: boolean; reason: string; coverage: number; sampleCount: number; period?: { fromMs: number; toMs: number }; updated?: boolean };

export function MeasuredPanel({ points, flows, recording }: { points: Point[]; flows: Flow[]; recording: boolean }) {
  const flowIds = [...new Set(points.flatMap((p) => (p.flow_id ? [p.flow_id] : [])))];
  if (flowIds.length === 0) return null;
  return (
    <section className="card" data-testid="field-measured">
      <div className="eyebrow">Measured</div>
      {flowIds.map((id) => (
        <FlowMeasured key={id} flow={flows.find((f) => f.id === id) ?? { id, name: id }} recording={recording} />
      ))}
    </section>
  );
}

function FlowMeasured({ flow, recording }: { flow: Flow; recording: boolean }) {
  const evaluation = useQuery({
    queryKey: ['field', 'measured', flow.id],
    queryFn: async () => (await client.field.measured.query({ flow_id: flow.id })) as Evaluation,
    refetchInterval: recording ? 2000 : false,
  });
  const e = evaluation.data;
  const measured = e?.met || flow.precision === 'measured';
  return (
    <div className="measured-row" data-testid={`field-measured-${flow.id}`}>
      <b>{flow.name}</b>
      <span className={`badge ${measured ? 'quality good' : ''}`} data-testid="field-measured-state">
        {measured ? 'measured' : 'not measured yet'}
      </span>
      {e && (
        <>
          <span className="muted">
            {e.sampleCount} samples, coverage {Math.round(e.coverage * 100)} %
          </span>
          <span className="muted" data-testid="field-measured-reason">
            {e.reason}
          </span>
        </>
      )}
      {evaluation.error && <span className="field-error">{apiProblem(evaluation.error).message}</span>}
    </div>
  );
}
