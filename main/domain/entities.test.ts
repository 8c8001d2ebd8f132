// Money and quantities are bounded to finite, sane ranges where they enter (import, editor, sync),
// with an error naming the field: price_eur 1e300 made every NPV of the flow infinite.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_EUR_PER_UNIT, MAX_QUANTITY, flowSchema } from './entities.ts';

const flow = (patch: Record<string, unknown>) => ({
  id: 'f-1',
  site_id: 's-1',
  direction: 'demand',
  type: 'heat',
  name: 'Dryer',
  quantity: { amount: 500, unit: 'MWh/yr' },
  ...patch,
});

const problems = (value: unknown) => {
  const r = flowSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('prices: 0 up to a billion euros per unit; 1e300, Infinity, negatives and text are refused by name', () => {
  assert.deepEqual(problems(flow({ economics: { price_eur: 40, price_per: 'MWh', disposal_cost_eur: MAX_EUR_PER_UNIT, price_asked_eur: 0 } })), []);
  assert.deepEqual(problems(flow({ economics: { price_eur: 1e300 } })), ['economics.price_eur: price_eur must be at most 1,000,000,000 € per unit (a larger price is surely a typo)']);
  assert.deepEqual(problems(flow({ economics: { disposal_cost_eur: Infinity } })), ['economics.disposal_cost_eur: disposal_cost_eur must be a finite number of euros']);
  assert.deepEqual(problems(flow({ economics: { price_asked_eur: -1 } })), ['economics.price_asked_eur: price_asked_eur must not be negative']);
  assert.deepEqual(problems(flow({ economics: { price_eur: '40' } })), ['economics.price_eur: price_eur must be a finite number of euros']);
  assert.deepEqual(problems(flow({ economics: { price_eur: Number.NaN } })), ['economics.price_eur: price_eur must be a finite number of euros']);
});

test('quantities: finite and at most 1e15', () => {
  assert.deepEqual(problems(flow({ quantity: { amount: MAX_QUANTITY, unit: 'kW' } })), []);
  assert.deepEqual(problems(flow({ quantity: { amount: 1e300, unit: 'kW' } })), ['quantity.amount: the amount must be at most 1,000,000,000,000,000 (a larger quantity is surely a typo)']);
  assert.deepEqual(problems(flow({ quantity: { amount: Infinity, unit: 'kW' } })), ['quantity.amount: the amount must be a finite number']);
});
