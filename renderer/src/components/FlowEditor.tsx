/**
 * Editing one flow: name, quantity (amount + unit), precision, temperature range, status; for heat,
 * steam and cooling the hourly heat profile (and a heat or steam demand's current fuel); for material
 * and waste the permitted (demand) or suitable (supply) recovery operations and the legal status.
 * The lists of names come from the API's vocabulary (the core decides what is valid).
 *
 * Save sends only the changed top-level keys to `flows.update` with the version the user started
 * from. The server validates the whole flow; each problem it names (`quantity.unit`,
 * `quality.temperature_c.min`, ...) is shown next to its input, the rest in a summary above the
 * buttons. A CONFLICT (someone else saved first) asks the user to reload. A successful save can be
 * undone once (the previous values are written back as a new version).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type ReactNode } from 'react';
import { apiProblem, client, type FieldProblem, type FlowRecord } from '../api.ts';
import { settleFlowSave } from '../cache/flows.ts';

type Precision = NonNullable<FlowRecord['precision']>;
type Status = NonNullable<FlowRecord['status']>;
type RecoveryOperation = NonNullable<NonNullable<FlowRecord['quality']>['recovery_operations']>[number];
// Checked against the API's types: a value the core does not accept fails to compile.
const PRECISIONS = ['rough', 'estimated', 'measured'] as const satisfies readonly Precision[];
const STATUSES = ['active', 'paused', 'archived'] as const satisfies readonly Status[];

/** Suggestions only (the core accepts more and decides): common field units per canonical unit. */
const UNIT_SUGGESTIONS: Record<string, string[]> = {
  kW: ['kW', 'MW', 'kWh/yr', 'MWh/yr', 'GWh/yr', 'GJ/h'],
  'm3/h': ['m3/h', 'm3/day', 'm3/yr', 'l/s'],
  'Nm3/h': ['Nm3/h', 'Nm3/min'],
  't/yr': ['t/yr', 't/month', 't/day', 'kg/day', 'kg/h'],
  't*km/yr': ['t*km/yr'],
  'h/yr': ['h/yr', 'h/week', 'h/month'],
};

type Key = 'name' | 'amount' | 'unit' | 'precision' | 'tmin' | 'tmax' | 'status' | 'profile' | 'fuel' | 'rcodes' | 'wasteStatus';
type Form = Record<Key, string>;

/** Which input shows a server problem, by the problem's field path. */
const FIELD_INPUT: [prefix: string, key: Key][] = [
  ['name', 'name'],
  ['quantity.amount', 'amount'],
  ['quantity.unit', 'unit'],
  ['quantity', 'unit'],
  ['precision', 'precision'],
  ['quality.temperature_c.max', 'tmax'],
  ['quality.temperature_c.min', 'tmin'],
  ['quality.temperature_c', 'tmin'],
  ['quality.recovery_operations', 'rcodes'],
  ['quality.waste_status', 'wasteStatus'],
  ['temporal.profile', 'profile'],
  ['economics.current_fuel', 'fuel'],
  ['status', 'status'],
];

const THERMAL = new Set(['heat', 'steam', 'cooling']);
const MATERIAL = new Set(['material', 'waste']);
/** Which of the optional fields a flow shows. */
const shows = (flow: FlowRecord) => ({
  profile: THERMAL.has(flow.type),
  fuel: flow.direction === 'demand' && (flow.type === 'heat' || flow.type === 'steam'),
  waste: MATERIAL.has(flow.type),
});
const R_CODE = /^R([1-9]|1[0-3])$/;

/** "R3, r10 R13" -> ['R3', 'R10', 'R13']; the bad items when some are not R1..R13. */
function parseRecoveryOperations(text: string): { ops: RecoveryOperation[]; bad: string[] } {
  const items = text
    .split(/[\s,;]+/)
    .map((x) => x.trim().toUpperCase())
    .filter(Boolean);
  return { ops: [...new Set(items.filter((x) => R_CODE.test(x)))] as RecoveryOperation[], bad: items.filter((x) => !R_CODE.test(x)) };
}

function inputFor(field: string): Key | undefined {
  return FIELD_INPUT.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`))?.[1];
}

function formOf(flow: FlowRecord): Form {
  const t = flow.quality?.temperature_c;
  return {
    name: flow.name,
    amount: String(flow.quantity.amount),
    unit: flow.quantity.unit,
    precision: flow.precision ?? '',
    tmin: t?.min === undefined ? '' : String(t.min),
    tmax: t?.max === undefined ? '' : String(t.max),
    status: flow.status ?? '',
    profile: flow.temporal?.profile ?? '',
    fuel: flow.economics?.current_fuel ?? '',
    rcodes: (flow.quality?.recovery_operations ?? []).join(', '),
    wasteStatus: flow.quality?.waste_status ?? '',
  };
}

/** An object with `key` set to `value`, or without it when `value` is undefined; null when nothing is left. */
function withKey<T extends object>(obj: T | undefined, key: string, value: unknown): Record<string, unknown> | null {
  const out: Record<string, unknown> = { ...(obj ?? {}) };
  if (value === undefined) delete out[key];
  else out[key] = value;
  return Object.keys(out).length ? out : null;
}

/** A number as typed ('' is "not given"); NaN when it is not a number at all. */
function numberOf(text: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return undefined;
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed) ? Number(trimmed) : Number.NaN;
}

interface Built {
  patch: Record<string, unknown>;
  /** The previous values of the changed keys (null: the key was absent), for undo. */
  before: Record<string, unknown>;
  problems: Partial<Record<Key, string>>;
}

function buildPatch(flow: FlowRecord, form: Form): Built {
  const original = formOf(flow);
  const patch: Record<string, unknown> = {};
  const before: Record<string, unknown> = {};
  const problems: Partial<Record<Key, string>> = {};
  const changed = (k: Key) => form[k] !== original[k];

  if (changed('name')) {
    patch['name'] = form.name;
    before['name'] = flow.name;
  }
  if (changed('amount') || changed('unit')) {
    const amount = numberOf(form.amount);
    if (amount === undefined) problems.amount = 'enter an amount';
    else if (Number.isNaN(amount)) problems.amount = 'not a number';
    patch['quantity'] = { amount, unit: form.unit.trim() };
    before['quantity'] = flow.quantity;
  }
  if (changed('precision')) {
    patch['precision'] = form.precision || null;
    before['precision'] = flow.precision ?? null;
  }
  if (changed('status')) {
    patch['status'] = form.status || null;
    before['status'] = flow.status ?? null;
  }
  let quality: Record<string, unknown> | null = flow.quality ? { ...flow.quality } : null;
  let qualityChanged = false;
  if (changed('tmin') || changed('tmax')) {
    const min = numberOf(form.tmin);
    const max = numberOf(form.tmax);
    if (Number.isNaN(min)) problems.tmin = 'not a number';
    if (Number.isNaN(max)) problems.tmax = 'not a number';
    const range: Record<string, number> = {};
    if (min !== undefined) range['min'] = min;
    if (max !== undefined) range['max'] = max;
    quality = withKey(quality ?? undefined, 'temperature_c', Object.keys(range).length ? range : undefined);
    qualityChanged = true;
  }
  if (changed('rcodes')) {
    const { ops, bad } = parseRecoveryOperations(form.rcodes);
    if (bad.length) problems.rcodes = `${bad.map((x) => `"${x}"`).join(', ')} ${bad.length === 1 ? 'is not a recovery operation' : 'are not recovery operations'}: use R1 .. R13`;
    quality = withKey(quality ?? undefined, 'recovery_operations', ops.length ? ops : undefined);
    qualityChanged = true;
  }
  if (changed('wasteStatus')) {
    quality = withKey(quality ?? undefined, 'waste_status', form.wasteStatus || undefined);
    qualityChanged = true;
  }
  if (qualityChanged) {
    patch['quality'] = quality;
    before['quality'] = flow.quality ?? null;
  }
  if (changed('profile')) {
    patch['temporal'] = withKey(flow.temporal, 'profile', form.profile || undefined);
    before['temporal'] = flow.temporal ?? null;
  }
  if (changed('fuel')) {
    patch['economics'] = withKey(flow.economics, 'current_fuel', form.fuel || undefined);
    before['economics'] = flow.economics ?? null;
  }
  return { patch, before, problems };
}

interface Saved {
  version: number;
  before: Record<string, unknown>;
}

export function FlowEditor({ flow, onDone }: { flow: FlowRecord; onDone(): void }) {
  const queryClient = useQueryClient();
  const vocabulary = useQuery({ queryKey: ['meta', 'vocabulary'], queryFn: () => client.meta.vocabulary.query(), staleTime: Infinity });
  const [base, setBase] = useState<FlowRecord>(flow);
  const [form, setForm] = useState<Form>(() => formOf(flow));
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Key, string[]>>>({});
  const [summary, setSummary] = useState<FieldProblem[]>([]);
  const [message, setMessage] = useState<{ kind: 'error' | 'conflict' | 'saved'; text: string } | null>(null);
  const [saved, setSaved] = useState<Saved | null>(null);
  const id = useId();

  // The stored flow replaces the editor's, the site's and the flow's cached copies; its matches refresh (cache/flows.ts).
  const settle = (record: FlowRecord) => settleFlowSave(queryClient, record);

  const showProblems = (error: unknown) => {
    const problem = apiProblem(error);
    if (problem.code === 'CONFLICT') {
      setMessage({ kind: 'conflict', text: problem.message });
      return;
    }
    const byInput: Partial<Record<Key, string[]>> = {};
    const rest: FieldProblem[] = [];
    for (const p of problem.fields) {
      const key = inputFor(p.field);
      if (key) (byInput[key] ??= []).push(p.message);
      else rest.push(p);
    }
    setFieldErrors(byInput);
    setSummary(rest);
    setMessage({ kind: 'error', text: problem.fields.length ? 'Not saved: fix the fields marked below.' : `Not saved: ${problem.message}` });
  };

  const save = useMutation({
    mutationFn: (input: { patch: Record<string, unknown>; version: number }) => client.flows.update.mutate({ id: flow.id, ...input }),
  });

  const onSave = () => {
    const built = buildPatch(base, form);
    setSummary([]);
    if (Object.keys(built.problems).length) {
      setFieldErrors(Object.fromEntries(Object.entries(built.problems).map(([k, v]) => [k, [v]])));
      setMessage({ kind: 'error', text: 'Not saved: fix the fields marked below.' });
      return;
    }
    if (Object.keys(built.patch).length === 0) {
      setMessage({ kind: 'saved', text: 'Nothing changed.' });
      return;
    }
    setFieldErrors({});
    setMessage(null);
    save.mutate(
      { patch: built.patch, version: base.version },
      {
        onSuccess: (record) => {
          setBase(record as FlowRecord);
          setForm(formOf(record as FlowRecord));
          setSaved({ version: record.version, before: built.before });
          setMessage({ kind: 'saved', text: `Saved (version ${record.version}).` });
          settle(record as FlowRecord);
        },
        onError: showProblems,
      },
    );
  };

  const onUndo = () => {
    if (!saved) return;
    save.mutate(
      { patch: saved.before, version: saved.version },
      {
        onSuccess: (record) => {
          setBase(record as FlowRecord);
          setForm(formOf(record as FlowRecord));
          setSaved(null);
          setFieldErrors({});
          setMessage({ kind: 'saved', text: `Change undone (version ${record.version}).` });
          settle(record as FlowRecord);
        },
        onError: showProblems,
      },
    );
  };

  const onReload = async () => {
    const fresh = await client.flows.get.query({ id: flow.id });
    setBase(fresh);
    setForm(formOf(fresh));
    setFieldErrors({});
    setSummary([]);
    setSaved(null);
    setMessage({ kind: 'saved', text: `Reloaded version ${fresh.version}. Apply your change again.` });
    settle(fresh);
  };

  const canonical = vocabulary.data?.canonicalUnits[base.type];
  const show = shows(base);
  const profiles = vocabulary.data?.profiles;
  const knownProfile = (name: string) =>
    !profiles || profiles.general.includes(name) || profiles.residential.includes(name) || profiles.industry.some((g) => g.names.includes(name));
  const suggestions = canonical ? (UNIT_SUGGESTIONS[canonical] ?? [canonical]) : [];
  const dirty = Object.keys(buildPatch(base, form).patch).length > 0;

  const field = (key: Key, path: string, title: string, control: ReactNode, hint?: string) => {
    const errors = fieldErrors[key];
    return (
      <div className={`field ${errors ? 'invalid' : ''}`} data-field={path}>
        <label htmlFor={`${id}-${key}`}>{title}</label>
        {control}
        {errors ? (
          <div className="field-error" id={`${id}-${key}-error`} role="alert" data-testid={`error-${path}`}>
            {errors.join('; ')}
          </div>
        ) : hint ? (
          <div className="field-hint">{hint}</div>
        ) : null}
      </div>
    );
  };
  const inputProps = (key: Key) => ({
    id: `${id}-${key}`,
    name: key,
    value: form[key],
    'aria-invalid': fieldErrors[key] ? true : undefined,
    'aria-describedby': fieldErrors[key] ? `${id}-${key}-error` : undefined,
    onChange: (e: { target: { value: string } }) => {
      setForm({ ...form, [key]: e.target.value });
      if (fieldErrors[key]) setFieldErrors({ ...fieldErrors, [key]: undefined });
    },
  });

  return (
    <form
      className="flow-editor"
      data-testid="flow-editor"
      onSubmit={(e) => {
        e.preventDefault();
        onSave();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onDone();
        }
      }}
    >
      {field('name', 'name', 'Name', <input type="text" {...inputProps('name')} maxLength={200} />)}
      <div className="field-row">
        {field('amount', 'quantity.amount', 'Amount', <input type="text" inputMode="decimal" {...inputProps('amount')} />)}
        {field(
          'unit',
          'quantity.unit',
          'Unit',
          <>
            <input type="text" list={`${id}-units`} {...inputProps('unit')} maxLength={20} />
            <datalist id={`${id}-units`}>
              {suggestions.map((u) => (
                <option key={u} value={u} />
              ))}
            </datalist>
          </>,
          canonical ? `canonical: ${canonical}` : undefined,
        )}
      </div>
      <div className="field-row">
        {field('tmin', 'quality.temperature_c.min', 'Temperature min (°C)', <input type="text" inputMode="decimal" {...inputProps('tmin')} />)}
        {field('tmax', 'quality.temperature_c.max', 'Temperature max (°C)', <input type="text" inputMode="decimal" {...inputProps('tmax')} />)}
      </div>
      {show.profile &&
        field(
          'profile',
          'temporal.profile',
          'Heat profile',
          <select {...inputProps('profile')} data-testid="flow-profile">
            <option value="">(default: flat; district heating: its country's residential profile)</option>
            {form.profile !== '' && !knownProfile(form.profile) && <option value={form.profile}>{form.profile}</option>}
            <optgroup label="General">
              {(profiles?.general ?? ['flat', 'measured']).map((name) => (
                <option key={name} value={name}>
                  {name === 'flat' ? 'flat (the same every hour)' : 'measured (the flow\'s own meter data)'}
                </option>
              ))}
            </optgroup>
            {profiles && (
              <optgroup label="Residential space heating and hot water (Hotmaps, NUTS2 region)">
                {profiles.residential.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </optgroup>
            )}
            {profiles?.industry.map((g) => (
              <optgroup key={g.process} label={`Industrial process heat: ${g.process.replace(/_/g, ' ')} (Hotmaps, by country)`}>
                {g.names.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>,
          'hourly shape over the year: flat, the flow\'s meter data, or a Hotmaps load profile',
        )}
      {show.fuel &&
        field(
          'fuel',
          'economics.current_fuel',
          'Current fuel',
          <select {...inputProps('fuel')} data-testid="flow-fuel">
            <option value="">(default: natural gas)</option>
            {(vocabulary.data?.currentFuels ?? []).map((f) => (
              <option key={f} value={f}>
                {f.replace(/_/g, ' ')}
              </option>
            ))}
          </select>,
          'what this heat is made from today (the CO2 counterfactual)',
        )}
      {show.waste && (
        <div className="field-row">
          {field(
            'rcodes',
            'quality.recovery_operations',
            base.direction === 'demand' ? 'Permitted recovery operations' : 'Suitable recovery operations',
            <input type="text" {...inputProps('rcodes')} placeholder="e.g. R3, R10" data-testid="flow-rcodes" />,
            'R1 .. R13 (Waste Framework Directive, Annex II), separated by commas',
          )}
          {field(
            'wasteStatus',
            'quality.waste_status',
            'Legal status',
            <select {...inputProps('wasteStatus')} data-testid="flow-waste-status">
              <option value="">{base.type === 'waste' ? '(default: waste)' : '(default: not waste)'}</option>
              {(vocabulary.data?.wasteStatuses ?? []).map((w) => (
                <option key={w} value={w}>
                  {w.replace(/_/g, ' ').replace('by product', 'by-product').replace('end of waste', 'end-of-waste')}
                </option>
              ))}
            </select>,
          )}
        </div>
      )}
      <div className="field-row">
        {field(
          'precision',
          'precision',
          'Precision',
          <select {...inputProps('precision')}>
            <option value="">(default: estimated)</option>
            {PRECISIONS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>,
        )}
        {field(
          'status',
          'status',
          'Status',
          <select {...inputProps('status')}>
            <option value="">(default: active)</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>,
        )}
      </div>
      {summary.length > 0 && (
        <ul className="form-summary" data-testid="form-summary">
          {summary.map((p, i) => (
            <li key={i}>
              {p.field && <code>{p.field}</code>} {p.message}
            </li>
          ))}
        </ul>
      )}
      {message && (
        <div className={`form-message ${message.kind}`} role={message.kind === 'saved' ? 'status' : 'alert'} data-testid="form-message">
          {message.kind === 'conflict' ? (
            <>
              <strong>Someone else changed this flow since you opened it.</strong> Reload it to see the latest version, then apply your
              change again. <span className="muted">({message.text})</span>
              <button type="button" className="btn btn-small" onClick={() => void onReload()} data-testid="flow-reload">
                Reload
              </button>
            </>
          ) : (
            <>
              {message.text}
              {message.kind === 'saved' && saved && (
                <button type="button" className="btn btn-small" onClick={onUndo} disabled={save.isPending} data-testid="flow-undo">
                  Undo
                </button>
              )}
            </>
          )}
        </div>
      )}
      <div className="form-actions">
        <span className="muted mono">
          {base.id} · v{base.version}
        </span>
        <button type="button" className="btn" onClick={onDone}>
          Close
        </button>
        <button
          type="button"
          className="btn"
          disabled={!dirty || save.isPending}
          onClick={() => {
            setForm(formOf(base));
            setFieldErrors({});
            setSummary([]);
            setMessage(null);
          }}
        >
          Reset
        </button>
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="flow-save">
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
