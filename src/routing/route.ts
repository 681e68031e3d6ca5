import type { Channel } from '../core/index.js';

export const TRAFFIC_CLASSES = ['otp', 'transactional', 'marketing'] as const;
export type TrafficClass = (typeof TRAFFIC_CLASSES)[number];

/** One rate-card line: price of one message (one segment) to numbers starting with `prefix`. */
export interface Rate {
  /** E.164 digits without '+', e.g. "31" or "316"; "" is the catch-all. Longest prefix wins. */
  prefix: string;
  priceMicros: number;
}

/** A configured route: the unit callers pin with `route_id` and policies order into chains. */
export interface Route {
  id: number;
  name: string;
  /** Provider instance name (a key of config.providers). */
  provider: string;
  channel: Channel;
  /** Sender id / caller id / from address. */
  sender: string | undefined;
  trafficClass: TrafficClass;
  currency: string;
  rates: Rate[];
  enabled: boolean;
  /** How long to wait for a delivered receipt before failing over, unless a policy says otherwise. */
  timeoutSeconds: number;
}

export const ROUTING_STRATEGIES = ['ordered', 'cost', 'quality'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** A routing policy: when it matches a send, it decides the ordered chain of routes. */
export interface RoutingPolicy {
  name: string;
  match: {
    /** ISO country codes (NL, US…); empty/undefined = any. */
    countries?: string[];
    /** E.164 digit prefixes; empty/undefined = any. */
    prefixes?: string[];
    channels?: Channel[];
    purposes?: string[];
  };
  strategy: RoutingStrategy;
  /** Candidate route ids. For `ordered` this is the chain order; for cost/quality the candidates. Undefined = all enabled routes. */
  routes?: number[];
  /** Overrides each route's timeoutSeconds for this policy. */
  timeoutSeconds?: number;
  /** Longest chain to build (default: all candidates). */
  maxSteps?: number;
}
