import type { Route } from '../routing/route.js';
import type { ProviderConfig } from './schema.js';

/** Route ids the reference server accepts; `route_id` 3 is its default. */
export const REFERENCE_ROUTE_IDS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

/**
 * What a fresh start serves when no routes are configured: sandbox routes 1-8 for SMS (so the
 * reference server's requests work unchanged) and one sandbox route per other channel.
 * With BRIDGEXAPI_API_KEY set, routes 1-8 go to BridgeXAPI's route of the same id instead, and in
 * production the sandbox routes 9-11 are disabled: there they would answer "sent" and deliver nothing.
 */
export function defaultRoutes(
  bridge: { callerId?: string } | undefined,
  mode: 'development' | 'production' = 'development',
): {
  providers: Record<string, ProviderConfig>;
  routes: Route[];
} {
  const providers: Record<string, ProviderConfig> = { sandbox: { type: 'sandbox' } };
  const routes: Route[] = [];
  for (const id of REFERENCE_ROUTE_IDS) {
    const providerName = bridge ? `bridgexapi-${id}` : 'sandbox';
    if (bridge) providers[providerName] = { type: 'bridgexapi', routeId: id };
    routes.push({
      id,
      name: bridge ? `bridgexapi-route-${id}` : `sandbox-sms-${id}`,
      provider: providerName,
      channel: 'sms',
      sender: bridge?.callerId ?? 'OTPGATE',
      trafficClass: id === 8 ? 'otp' : 'transactional',
      currency: 'EUR',
      // Flat sandbox prices in the range BridgeXAPI quotes (0.05–0.09 EUR); real rates come from config.
      rates: [{ prefix: '', priceMicros: 45_000 + id * 5_000 }],
      enabled: true,
      timeoutSeconds: 30,
    });
  }
  const extra: Array<[number, Route['channel'], string]> = [
    [9, 'voice', 'sandbox-voice'],
    [10, 'whatsapp', 'sandbox-whatsapp'],
    [11, 'email', 'sandbox-email'],
  ];
  for (const [id, channel, name] of extra) {
    routes.push({
      id,
      name,
      provider: 'sandbox',
      channel,
      sender: channel === 'email' ? 'otpgate@localhost' : 'OTPGATE',
      trafficClass: 'otp',
      currency: 'EUR',
      rates: [
        { prefix: '', priceMicros: channel === 'voice' ? 120_000 : channel === 'whatsapp' ? 30_000 : 0 },
      ],
      enabled: mode !== 'production',
      timeoutSeconds: 60,
    });
  }
  return { providers, routes };
}
