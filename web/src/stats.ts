// What the overview draws from /api/v1/stats/incidents: totals per key over a range,
// and the stacked bars of the chart.
import type { Severity, Stats } from './types';
import { SEVERITIES } from './types';

export function totals(stats: Stats): { key: string; count: number }[] {
  const sum = new Map<string, number>();
  for (const b of stats.buckets) {
    for (const [k, v] of Object.entries(b.counts ?? {})) {
      if (typeof v === 'number' && Number.isFinite(v)) sum.set(k, (sum.get(k) ?? 0) + v);
    }
  }
  return [...sum.entries()]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export interface Bar {
  start_us: number;
  total: number;
  // Bottom to top: least severe first, so critical is on top.
  segments: { severity: Severity; count: number }[];
}

export function severityBars(stats: Stats): Bar[] {
  const order = [...SEVERITIES].reverse();
  return stats.buckets.map((b) => ({
    start_us: b.start_us,
    total: b.total,
    segments: order.filter((s) => (b.counts?.[s] ?? 0) > 0).map((s) => ({ severity: s, count: b.counts[s] })),
  }));
}

// A round top for the chart's axis: 1, 2, 5, 10, 20, 50, ...
export function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const f of [1, 2, 5, 10]) if (f * p >= n) return f * p;
  return 10 * p;
}
