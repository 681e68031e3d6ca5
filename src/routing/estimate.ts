import type { ChainStep, Channel } from '../core/index.js';
import { OtpError } from '../errors/index.js';
import { priceFor } from './rate-card.js';
import type { Route } from './route.js';
import { countSegments, type SmsEncoding } from './segments.js';

export interface StepEstimate {
  routeId: number;
  routeName: string;
  provider: string;
  channel: Channel;
  /** Rate-card price of one billed unit: an SMS segment, a call, a WhatsApp message, an e-mail. */
  unitPriceMicros: number;
  /** Billed units: SMS segments for SMS, 1 for every other channel. */
  segments: number;
  /** The SMS encoding the text needs; undefined for channels that do not bill by segment. */
  encoding: SmsEncoding | undefined;
  totalPriceMicros: number;
  currency: string;
}

/**
 * What each step of a chain would cost for `text`. The first entry is the primary route, the
 * price a send records; later entries are what failover would add.
 * Throws ROUTE_NOT_FOUND / NO_ROUTE when a step no longer matches the routes (e.g. after a config
 * reload), since an estimate for a route that cannot be used would mislead.
 */
export function estimateChain(
  steps: readonly ChainStep[],
  routes: ReadonlyMap<number, Route>,
  destination: string,
  text: string,
): StepEstimate[] {
  const sms = countSegments(text);
  return steps.map((step) => {
    const route = routes.get(step.routeId);
    if (!route) throw new OtpError('ROUTE_NOT_FOUND', { details: { route_id: step.routeId } });
    const unitPriceMicros = priceFor(route, destination);
    if (unitPriceMicros === undefined) {
      throw new OtpError('NO_ROUTE', {
        message: `Route ${route.id} cannot deliver to this destination.`,
        details: { route_id: route.id },
      });
    }
    // Only SMS is billed per segment; a call, a WhatsApp message or an e-mail is one unit.
    const isSms = route.channel === 'sms';
    const segments = isSms ? sms.segments : 1;
    return {
      routeId: route.id,
      routeName: route.name,
      provider: route.provider,
      channel: route.channel,
      unitPriceMicros,
      segments,
      encoding: isSms ? sms.encoding : undefined,
      totalPriceMicros: unitPriceMicros * segments,
      currency: route.currency,
    };
  });
}
