import { describe, expect, it } from 'vitest';
import { niceMax, severityBars, totals } from './stats';
import type { Stats } from './types';

const stats: Stats = {
  bucket: 'day',
  by: 'rule',
  zone: 'Asia/Ho_Chi_Minh',
  total: 6,
  buckets: [
    { start: '', start_us: 1, counts: { 'ssh.auth_failure_burst': 2, 'web.scan': 1 }, total: 3 },
    { start: '', start_us: 2, counts: {}, total: 0 },
    { start: '', start_us: 3, counts: { 'web.scan': 3 }, total: 3 },
  ],
};

describe('overview numbers', () => {
  it('sums each key over the range, largest first', () => {
    expect(totals(stats)).toEqual([
      { key: 'web.scan', count: 4 },
      { key: 'ssh.auth_failure_burst', count: 2 },
    ]);
  });
  it('stacks severities with critical on top and skips empty ones', () => {
    const bars = severityBars({
      ...stats,
      by: 'severity',
      buckets: [{ start: '', start_us: 1, counts: { critical: 1, low: 2 }, total: 3 }],
    });
    expect(bars[0].segments).toEqual([
      { severity: 'low', count: 2 },
      { severity: 'critical', count: 1 },
    ]);
  });
  it('rounds the axis up', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(40)).toBe(50);
  });
});
