import { describe, expect, it } from 'vitest';
import { findPolicy, policyMatches, type SendFacts } from '../../src/routing/policy-match.js';
import type { RoutingPolicy } from '../../src/routing/route.js';

const nlSms: SendFacts = {
  digits: '31612345678',
  isEmail: false,
  country: 'NL',
  channel: 'sms',
  purpose: 'login',
};

function policy(match: RoutingPolicy['match'], name = 'p'): RoutingPolicy {
  return { name, match, strategy: 'cost' };
}

describe('policyMatches', () => {
  it('treats missing and empty lists as any', () => {
    expect(policyMatches(policy({}), nlSms)).toBe(true);
    expect(policyMatches(policy({ countries: [], prefixes: [], channels: [], purposes: [] }), nlSms)).toBe(
      true,
    );
  });

  it('matches countries case-insensitively and never an unknown country', () => {
    expect(policyMatches(policy({ countries: ['BE', 'NL'] }), nlSms)).toBe(true);
    expect(policyMatches(policy({ countries: ['nl'] }), nlSms)).toBe(true);
    expect(policyMatches(policy({ countries: ['BE'] }), nlSms)).toBe(false);
    expect(policyMatches(policy({ countries: ['NL'] }), { ...nlSms, country: undefined })).toBe(false);
  });

  it('matches digit prefixes, never for e-mail', () => {
    expect(policyMatches(policy({ prefixes: ['316'] }), nlSms)).toBe(true);
    expect(policyMatches(policy({ prefixes: ['3120', '44'] }), nlSms)).toBe(false);
    const email: SendFacts = {
      digits: '',
      isEmail: true,
      country: undefined,
      channel: 'email',
      purpose: 'login',
    };
    expect(policyMatches(policy({ prefixes: ['3'] }), email)).toBe(false);
  });

  it('matches channels and purposes', () => {
    expect(policyMatches(policy({ channels: ['sms', 'voice'] }), nlSms)).toBe(true);
    expect(policyMatches(policy({ channels: ['voice'] }), nlSms)).toBe(false);
    expect(policyMatches(policy({ purposes: ['login'] }), nlSms)).toBe(true);
    expect(policyMatches(policy({ purposes: ['signup'] }), nlSms)).toBe(false);
  });

  it('requires every list to match', () => {
    expect(policyMatches(policy({ countries: ['NL'], purposes: ['signup'] }), nlSms)).toBe(false);
  });
});

describe('findPolicy', () => {
  it('returns the first match in order', () => {
    const policies = [
      policy({ countries: ['BE'] }, 'be'),
      policy({ channels: ['sms'] }, 'sms'),
      policy({}, 'all'),
    ];
    expect(findPolicy(policies, nlSms)?.name).toBe('sms');
    expect(findPolicy([], nlSms)).toBeUndefined();
  });
});
