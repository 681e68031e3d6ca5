import type { Channel } from '../core/index.js';
import type { Router } from '../routing/router.js';
import { messagePrice } from '../routing/message-price.js';
import type { MessageRenderer } from './message-renderer.js';
import { withTimeout } from '../providers/call-signal.js';

export interface EstimateDeps {
  routing: Router;
  renderer: MessageRenderer;
  codeLength: number;
}

export interface EstimateInput {
  destination: string;
  country: string | undefined;
  channel: Channel;
  purpose: string;
  pinnedRouteId: number | undefined;
  /** Text to price; defaults to the rendered OTP message of the route's channel. */
  message: string | undefined;
  locale: string | undefined;
}

/**
 * The estimate step of choose route → estimate → send: plans the same chain a send would, prices
 * the primary and every fallback by rate card and segments, and asks the primary's provider for its
 * own quote and balance where it gives them. What a send records for the primary equals
 * `total_price_micros`: the provider's quote when it quotes, the rate card otherwise.
 */
export async function estimateSend(deps: EstimateDeps, input: EstimateInput) {
  const chain = deps.routing.plan({
    destination: input.destination,
    country: input.country,
    channel: input.channel,
    purpose: input.purpose,
    pinnedRouteId: input.pinnedRouteId,
  });
  const sampleCode = '0'.repeat(deps.codeLength);
  const steps = [];
  for (const [index, step] of chain.entries()) {
    const route = deps.routing.route(step.routeId)!;
    const text =
      input.message ??
      deps.renderer.render({ channel: route.channel, locale: input.locale, code: sampleCode }).text;
    const price = messagePrice(route, input.destination, text);
    const { segments } = price;
    // The rate card prices every step; for the primary, a provider that quotes its own price
    // overrides it, because that quote is what its send will report and the attempt will record.
    let unitPriceMicros = price.unitPriceMicros;
    let totalPriceMicros = price.totalPriceMicros;
    let currency = route.currency;
    let priceSource: 'rate_card' | 'provider' = 'rate_card';
    const provider = deps.routing.provider(route.provider);
    let balance: { balance_micros: number | null; sufficient_balance: boolean | null } = {
      balance_micros: null,
      sufficient_balance: null,
    };
    if (index === 0 && provider?.estimate) {
      const estimate = provider.estimate.bind(provider);
      const quoted = await withTimeout(5000, (signal) =>
        estimate({ to: input.destination, channel: route.channel, text, sender: route.sender }, { signal }),
      );
      if (quoted.ok) {
        totalPriceMicros = quoted.priceMicros;
        unitPriceMicros = Math.round(
          quoted.priceMicros / Math.max(1, route.channel === 'sms' ? segments.segments : 1),
        );
        currency = quoted.currency;
        priceSource = 'provider';
        balance = {
          balance_micros: quoted.balanceMicros ?? null,
          sufficient_balance: quoted.sufficientBalance ?? null,
        };
      }
    } else if (index === 0 && provider?.balance) {
      const balanceOf = provider.balance.bind(provider);
      const reported = await withTimeout(5000, (signal) => balanceOf({ signal }));
      if (reported.ok) {
        balance = {
          balance_micros: reported.balanceMicros,
          sufficient_balance: reported.balanceMicros >= totalPriceMicros,
        };
      }
    }
    steps.push({
      step: index,
      route_id: route.id,
      route_name: route.name,
      provider: route.provider,
      channel: route.channel,
      timeout_seconds: step.timeoutSeconds,
      encoding: segments.encoding,
      segments: segments.segments,
      characters: segments.characters,
      unit_price_micros: unitPriceMicros,
      total_price_micros: totalPriceMicros,
      currency,
      price_source: priceSource,
      ...(index === 0 ? balance : {}),
    });
  }
  const primary = steps[0]!;
  return {
    route_id: primary.route_id,
    segments: primary.segments,
    encoding: primary.encoding,
    unit_price_micros: primary.unit_price_micros,
    total_price_micros: primary.total_price_micros,
    currency: primary.currency,
    price_source: primary.price_source,
    balance_micros: primary.balance_micros ?? null,
    sufficient_balance: primary.sufficient_balance ?? null,
    routes: steps,
  };
}
