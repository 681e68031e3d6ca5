import { describe, expect, it } from 'vitest';
import { RouteStatsCache, computeRouteStats, routeStatsKey } from '../../src/routing/route-stats.js';
import { makeAttempt } from './fixtures.js';

const NOW = 1_800_000_000_000;
const HOUR = 3600;

function delivered(routeId: number, ageMs: number, deliverMs: number, country = 'NL') {
  return makeAttempt({
    routeId,
    country,
    createdAtMs: NOW - ageMs,
    status: 'delivered',
    deliveredAtMs: NOW - ageMs + deliverMs,
  });
}

function failed(routeId: number, ageMs: number, country = 'NL') {
  return makeAttempt({ routeId, country, createdAtMs: NOW - ageMs, status: 'undelivered' });
}

describe('computeRouteStats', () => {
  it('counts per route and country', () => {
    const stats = computeRouteStats(
      [delivered(1, 1000, 2000), failed(1, 1000), delivered(1, 1000, 500, 'BE'), failed(2, 1000)],
      NOW,
      HOUR,
    );
    expect(stats.get('1:NL')).toMatchObject({ sent: 2, delivered: 1, failed: 1 });
    expect(stats.get('1:BE')).toMatchObject({ sent: 1, delivered: 1, failed: 0 });
    expect(stats.get('2:NL')).toMatchObject({ sent: 1, delivered: 0, failed: 1 });
    expect(stats.size).toBe(3);
  });

  it('groups attempts without a country under ZZ', () => {
    const noCountry = makeAttempt({
      routeId: 3,
      country: undefined,
      createdAtMs: NOW - 10,
      status: 'failed',
    });
    const stats = computeRouteStats([noCountry], NOW, HOUR);
    expect(routeStatsKey(3, undefined)).toBe('3:ZZ');
    expect(stats.get('3:ZZ')?.sent).toBe(1);
  });

  it('only looks at attempts created inside the window', () => {
    const stats = computeRouteStats(
      [failed(1, HOUR * 1000), failed(1, HOUR * 1000 - 1), failed(1, -1)],
      NOW,
      HOUR,
    );
    expect(stats.get('1:NL')?.sent).toBe(1);
  });

  it('gives no delivery rate until five attempts are final', () => {
    const pending = makeAttempt({ routeId: 1, createdAtMs: NOW - 10, status: 'sent' });
    const four = [delivered(1, 10, 100), delivered(1, 10, 100), failed(1, 10), failed(1, 10), pending];
    const stats = computeRouteStats(four, NOW, HOUR).get('1:NL');
    expect(stats).toMatchObject({ sent: 5, delivered: 2, failed: 2, deliveryRate: undefined });
    const five = computeRouteStats([...four, delivered(1, 10, 100)], NOW, HOUR).get('1:NL');
    expect(five?.deliveryRate).toBeCloseTo(3 / 5);
  });

  it('lets the caller choose the minimum', () => {
    const stats = computeRouteStats([delivered(1, 10, 100)], NOW, HOUR, { minimumFinalAttempts: 1 });
    expect(stats.get('1:NL')?.deliveryRate).toBe(1);
  });

  it('takes the median time to deliver', () => {
    const odd = computeRouteStats(
      [delivered(1, 10, 300), delivered(1, 10, 100), delivered(1, 10, 200)],
      NOW,
      HOUR,
    );
    expect(odd.get('1:NL')?.medianTimeToDeliverMs).toBe(200);
    const even = computeRouteStats(
      [delivered(1, 10, 100), delivered(1, 10, 400), delivered(1, 10, 201), delivered(1, 10, 50)],
      NOW,
      HOUR,
    );
    expect(even.get('1:NL')?.medianTimeToDeliverMs).toBe(151);
    const none = computeRouteStats([failed(1, 10)], NOW, HOUR);
    expect(none.get('1:NL')?.medianTimeToDeliverMs).toBeUndefined();
  });

  it('ignores delivered attempts without a receipt time for the median', () => {
    const noTime = makeAttempt({ routeId: 1, createdAtMs: NOW - 10, status: 'delivered' });
    const stats = computeRouteStats([noTime, delivered(1, 10, 700)], NOW, HOUR).get('1:NL');
    expect(stats).toMatchObject({ delivered: 2, medianTimeToDeliverMs: 700 });
  });
});

describe('RouteStatsCache', () => {
  it('is empty until updated', () => {
    const cache = new RouteStatsCache();
    expect(cache.get(1, 'NL')).toBeUndefined();
    expect(cache.lastUpdatedAtMs()).toBeUndefined();
    expect(cache.summaryForRoute(1)).toEqual({
      sent: 0,
      delivered: 0,
      failed: 0,
      deliveryRate: undefined,
      medianTimeToDeliverMs: undefined,
    });
  });

  it('serves the latest computation', () => {
    const cache = new RouteStatsCache({ windowSeconds: 60 });
    cache.update([failed(1, 1000), failed(1, 120_000)], NOW);
    expect(cache.get(1, 'NL')?.sent).toBe(1);
    expect(cache.lastUpdatedAtMs()).toBe(NOW);
    cache.update([], NOW + 1);
    expect(cache.get(1, 'NL')).toBeUndefined();
    expect(cache.all().size).toBe(0);
  });

  it('accepts a window per update', () => {
    const cache = new RouteStatsCache({ windowSeconds: 60 });
    cache.update([failed(1, 120_000)], NOW, HOUR);
    expect(cache.get(1, 'NL')?.sent).toBe(1);
  });

  it('summarises a route over all countries', () => {
    const cache = new RouteStatsCache({ minimumFinalAttempts: 2 });
    cache.update([delivered(1, 10, 100, 'NL'), delivered(1, 10, 300, 'BE'), failed(1, 10, 'DE')], NOW);
    expect(cache.summaryForRoute(1)).toEqual({
      sent: 3,
      delivered: 2,
      failed: 1,
      deliveryRate: 2 / 3,
      medianTimeToDeliverMs: 200,
    });
    expect(cache.get(1, 'NL')?.deliveryRate).toBeUndefined();
  });
});
