import type { Route } from './route.js';

/**
 * How prices in different currencies compare. Rate cards keep each route's own currency (that is
 * what the provider bills and what attempts record); only cost ordering converts, so a route
 * priced in USD and one priced in EUR are ranked by what they really cost, not by their digits.
 */
export interface Pricing {
  baseCurrency: string;
  /** Value of one unit of each non-base currency in the base currency. */
  exchangeRates: Readonly<Record<string, number>>;
}

/** A price in micros of its own currency → micros of the base currency, for ordering only. */
export function comparableMicros(pricing: Pricing, priceMicros: number, currency: string): number {
  if (currency === pricing.baseCurrency) return priceMicros;
  const rate = pricing.exchangeRates[currency];
  // Config validation guarantees a rate for every route currency; an unknown one ranks last
  // rather than looking free.
  return rate === undefined ? Number.POSITIVE_INFINITY : priceMicros * rate;
}

/**
 * Resolves the pricing block against the configured routes. One currency across all routes needs
 * nothing; several need a base currency and a rate for every other one, listed as problems.
 */
export function resolvePricing(
  raw: { baseCurrency?: string; exchangeRates?: Record<string, number> },
  routes: readonly Route[],
  problems: string[],
): Pricing {
  const currencies = [...new Set(routes.map((route) => route.currency))].sort();
  const exchangeRates = { ...raw.exchangeRates };
  const baseCurrency = raw.baseCurrency ?? (currencies.length === 1 ? currencies[0] : undefined);
  if (baseCurrency === undefined) {
    problems.push(
      `pricing.baseCurrency is required: routes price in ${currencies.join(', ')}, and cost ordering needs one currency to compare in`,
    );
    return { baseCurrency: currencies[0] ?? 'EUR', exchangeRates };
  }
  for (const currency of currencies) {
    if (currency !== baseCurrency && exchangeRates[currency] === undefined) {
      problems.push(
        `pricing.exchangeRates.${currency} is missing: routes price in it, the base is ${baseCurrency}`,
      );
    }
  }
  return { baseCurrency, exchangeRates };
}
