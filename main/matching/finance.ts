/**
 * Discounted cash flow of an exchange (domain.md 2.3): an investment `capex` at t = 0, then the
 * same cash flow CF at the end of each year t = 1..n.
 */

/** sum over t = 1..n of 1 / (1 + r)^t. */
export function annuityFactor(rate: number, years: number): number {
  let sum = 0;
  let discount = 1;
  for (let t = 1; t <= years; t++) {
    discount /= 1 + rate;
    sum += discount;
  }
  return sum;
}

/** NPV = -capex + CF x annuityFactor(r, n). Pass the factor when it is reused across many pairs. */
export function npv(capex: number, cashFlow: number, rate: number, years: number, factor = annuityFactor(rate, years)): number {
  return -capex + cashFlow * factor;
}

/** d NPV / d r = CF x sum over t of -t / (1 + r)^(t+1). */
function npvSlope(cashFlow: number, rate: number, years: number): number {
  let sum = 0;
  let discount = 1 / (1 + rate);
  for (let t = 1; t <= years; t++) {
    discount /= 1 + rate;
    sum -= t * discount;
  }
  return cashFlow * sum;
}

export const IRR_START = 0.1;
export const IRR_TOLERANCE_EUR = 1e-4;
export const IRR_MAX_STEPS = 100;
export const IRR_MIN_RATE = -0.99;

/**
 * The rate r with NPV(r) = 0: Newton-Raphson from 0.1 (|NPV| < 1e-4 EUR, at most 100 steps,
 * r kept >= -0.99), then bisection when Newton does not converge. null when CF <= 0 (the exchange
 * never pays back) or capex <= 0 (nothing to pay back: the rate is unbounded).
 */
export function irr(capex: number, cashFlow: number, years: number): number | null {
  if (!(cashFlow > 0) || !(capex > 0) || years < 1) return null;
  const f = (r: number) => -capex + cashFlow * annuityFactor(r, years);
  let r = IRR_START;
  for (let i = 0; i < IRR_MAX_STEPS; i++) {
    const value = f(r);
    if (Math.abs(value) < IRR_TOLERANCE_EUR) return r;
    const slope = npvSlope(cashFlow, r, years);
    if (!(slope < 0) || !Number.isFinite(slope)) break;
    let next = r - value / slope;
    if (next < IRR_MIN_RATE) next = IRR_MIN_RATE;
    if (next === r) break;
    r = next;
  }
  // Bisection: NPV falls as r rises, from f(-0.99) > 0 (CF > 0) to f(hi) < 0 for a large enough hi.
  let lo = IRR_MIN_RATE;
  let hi = 1;
  while (f(hi) > 0 && hi < 1e9) hi *= 2;
  if (f(lo) < 0 || f(hi) > 0) return null;
  for (let i = 0; i < 500; i++) {
    const mid = (lo + hi) / 2;
    const value = f(mid);
    if (Math.abs(value) < IRR_TOLERANCE_EUR || hi - lo < 1e-15) return mid;
    if (value > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Simple payback capex / CF in years; null when CF <= 0. */
export function payback(capex: number, cashFlow: number): number | null {
  return cashFlow > 0 ? Math.max(0, capex) / cashFlow : null;
}
