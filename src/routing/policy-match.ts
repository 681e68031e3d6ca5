import type { Channel } from '../core/index.js';
import type { RoutingPolicy } from './route.js';

/** The facts of one send that policies match on. */
export interface SendFacts {
  /** E.164 digits without '+'; "" for e-mail addresses. */
  digits: string;
  isEmail: boolean;
  country: string | undefined;
  channel: Channel;
  purpose: string;
}

/** Empty or missing match lists mean "any"; every non-empty list must contain the send's value. */
export function policyMatches(policy: RoutingPolicy, facts: SendFacts): boolean {
  const { countries, prefixes, channels, purposes } = policy.match;
  if (isSet(countries)) {
    const country = facts.country?.toUpperCase();
    if (country === undefined || !countries.some((c) => c.toUpperCase() === country)) return false;
  }
  if (isSet(prefixes)) {
    // An e-mail address has no digits, so a prefix policy never claims it.
    if (facts.isEmail || !prefixes.some((prefix) => facts.digits.startsWith(prefix))) return false;
  }
  if (isSet(channels) && !channels.includes(facts.channel)) return false;
  if (isSet(purposes) && !purposes.includes(facts.purpose)) return false;
  return true;
}

/** Policies are tried in configuration order; the first that matches decides. */
export function findPolicy(policies: readonly RoutingPolicy[], facts: SendFacts): RoutingPolicy | undefined {
  return policies.find((policy) => policyMatches(policy, facts));
}

export function isSet<T>(list: readonly T[] | undefined): list is readonly T[] {
  return list !== undefined && list.length > 0;
}
