import type { Rate, Route } from './route.js';
import { destinationDigits, isEmailDestination } from './destination.js';

/**
 * A route's rate card as a prefix → price map. Lookups probe the number's own prefixes from the
 * longest prefix the card holds down to "" (the catch-all), so one lookup is at most ~8 map hits
 * however many lines the card has.
 */
export class RateCard {
  private readonly priceMicrosByPrefix = new Map<string, number>();
  private readonly longestPrefixDigits: number;

  constructor(rates: readonly Rate[]) {
    let longest = 0;
    for (const rate of rates) {
      // Duplicate prefixes are a configuration slip; the first line wins so the card reads top-down.
      if (this.priceMicrosByPrefix.has(rate.prefix)) continue;
      this.priceMicrosByPrefix.set(rate.prefix, rate.priceMicros);
      longest = Math.max(longest, rate.prefix.length);
    }
    this.longestPrefixDigits = longest;
  }

  /** Price of one message to `digits` (E.164 without '+'), or undefined when no line covers it. */
  priceForDigits(digits: string): number | undefined {
    for (let length = Math.min(this.longestPrefixDigits, digits.length); length >= 0; length--) {
      const price = this.priceMicrosByPrefix.get(digits.slice(0, length));
      if (price !== undefined) return price;
    }
    return undefined;
  }

  /** The catch-all ("") price, the only line that applies to e-mail addresses. */
  catchAllPriceMicros(): number | undefined {
    return this.priceMicrosByPrefix.get('');
  }
}

// Routes come from frozen config, so a card built once per route object stays valid; a reloaded
// config brings new route objects and the old cards are collected with them.
const cards = new WeakMap<Route, RateCard>();

export function rateCardFor(route: Route): RateCard {
  let card = cards.get(route);
  if (!card) {
    card = new RateCard(route.rates);
    cards.set(route, card);
  }
  return card;
}

/**
 * Price in micros of one message (one SMS segment, one call, one e-mail) over `route` to
 * `destination` (E.164 or e-mail). Undefined means the route cannot deliver there.
 * Longest digit prefix wins; e-mail addresses only match the catch-all line.
 */
export function priceFor(route: Route, destination: string): number | undefined {
  const card = rateCardFor(route);
  if (isEmailDestination(destination)) return card.catchAllPriceMicros();
  return card.priceForDigits(destinationDigits(destination));
}
