import { describe, expect, it } from 'vitest';
import { groupIncidents, mergeIncidents } from './grouping';
import type { Incident } from './types';

function inc(id: string, over: Partial<Incident> = {}): Incident {
  return {
    id,
    rule: { id: 'ssh.auth_failure_burst' },
    title: 'SSH brute-force login',
    title_vi: 'Dò mật khẩu SSH',
    severity: 'high',
    status: 'new',
    count: 5,
    first_seen: '',
    last_seen: '',
    first_seen_us: 1000,
    last_seen_us: 2000,
    source: { asset: 'cam-07', site: 'Nhà văn hóa tổ 3' },
    ...over,
  };
}

describe('groupIncidents', () => {
  it('puts incidents of the same rule and source into one group with counts', () => {
    const groups = groupIncidents([
      inc('a', { last_seen_us: 3000, count: 6, first_seen_us: 2500 }),
      inc('b', { last_seen_us: 5000, count: 2, first_seen_us: 4000, status: 'resolved' }),
      inc('c', { last_seen_us: 4000, count: 1, first_seen_us: 900, severity: 'critical' }),
    ]);
    expect(groups).toHaveLength(1);
    const g = groups[0];
    expect(g.members.map((m) => m.id)).toEqual(['b', 'c', 'a']);
    expect(g.latest.id).toBe('b');
    expect(g.events).toBe(9);
    expect(g.severity).toBe('critical');
    expect(g.first_seen_us).toBe(900);
    expect(g.last_seen_us).toBe(5000);
    expect(g.open).toBe(2);
  });
  it('keeps other rules and other sources apart, newest activity first', () => {
    const groups = groupIncidents([
      inc('a', { last_seen_us: 1 }),
      inc('b', { last_seen_us: 3, source: { asset: 'cam-08' } }),
      inc('c', { last_seen_us: 2, rule: { id: 'web.scan' } }),
      inc('d', { last_seen_us: 4, source: { host: 'router.local' } }),
    ]);
    expect(groups.map((g) => g.latest.id)).toEqual(['d', 'b', 'c', 'a']);
  });
  it('does not mix a source named like a separator with two others', () => {
    const groups = groupIncidents([
      inc('a', { rule: { id: 'x' }, source: { asset: 'y|z' } }),
      inc('b', { rule: { id: 'x|y' }, source: { asset: 'z' } }),
    ]);
    expect(groups).toHaveLength(2);
  });
});

describe('mergeIncidents', () => {
  it('replaces known incidents with their fresher copy and re-sorts', () => {
    const known = [inc('a', { last_seen_us: 10 }), inc('b', { last_seen_us: 5 })];
    const fresh = [inc('b', { last_seen_us: 20, count: 9 }), inc('c', { last_seen_us: 15 })];
    const merged = mergeIncidents(known, fresh);
    expect(merged.map((i) => i.id)).toEqual(['b', 'c', 'a']);
    expect(merged[0].count).toBe(9);
  });
  it('takes a status change that did not move last_seen', () => {
    const known = [inc('a', { updated: '2026-11-25T02:00:00Z' })];
    const fresh = [inc('a', { status: 'acknowledged', updated: '2026-11-25T02:05:00Z' })];
    expect(mergeIncidents(known, fresh)[0].status).toBe('acknowledged');
  });
  it('ignores an older copy arriving late', () => {
    const known = [inc('a', { status: 'acknowledged', updated: '2026-11-25T02:05:00Z' })];
    const fresh = [inc('a', { updated: '2026-11-25T02:00:00Z' })];
    expect(mergeIncidents(known, fresh)[0].status).toBe('acknowledged');
  });
});
