import { countSegments } from './segments.js';
import { priceFor } from './rate-card.js';
import type { Route } from './route.js';

export interface MessagePrice {
  unitPriceMicros: number;
  totalPriceMicros: number;
  segments: ReturnType<typeof countSegments>;
}

/**
 * What one message costs over a route: the rate-card unit price times the billed units. Only SMS
 * is billed per segment; a call, a WhatsApp message or an e-mail is one unit. The estimate and the
 * attempt a send records both use this, so they cannot disagree.
 */
export function messagePrice(route: Route, destination: string, text: string): MessagePrice {
  const segments = countSegments(text);
  const unitPriceMicros = priceFor(route, destination) ?? 0;
  const units = route.channel === 'sms' ? segments.segments : 1;
  return { unitPriceMicros, totalPriceMicros: unitPriceMicros * units, segments };
}
