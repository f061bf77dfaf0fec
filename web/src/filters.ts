// The incident list's filter, kept in the page's URL (so a link can be shared) and turned
// into the API's query (docs/api.md, GET /api/v1/incidents). Unknown or broken values in a
// URL are dropped, never passed on.
import { SEVERITIES, SOURCE_CLASSES, STATUSES } from './types';
import type { Severity, Status } from './types';

export type Range = '1h' | '24h' | '7d' | '30d' | 'all';
export const RANGES: Range[] = ['1h', '24h', '7d', '30d', 'all'];
const RANGE_SECONDS: Record<Exclude<Range, 'all'>, number> = {
  '1h': 3600,
  '24h': 86400,
  '7d': 7 * 86400,
  '30d': 30 * 86400,
};

export interface Filter {
  severity?: Severity;
  status?: Status;
  site?: string;
  asset?: string;
  class?: string;
  rule?: string;
  q?: string;
  range: Range;
}

export const EMPTY_FILTER: Filter = { range: 'all' };
const MAX_TEXT = 200;

function text(v: string | null): string | undefined {
  if (v === null) return undefined;
  const t = v.trim();
  if (!t || t.length > MAX_TEXT) return undefined;
  // Control characters have no place in a name or a search.
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(t) ? undefined : t;
}

export function parseFilter(search: string | URLSearchParams): Filter {
  const p = typeof search === 'string' ? new URLSearchParams(search) : search;
  const f: Filter = { range: 'all' };
  const sev = p.get('severity');
  if (sev && (SEVERITIES as string[]).includes(sev)) f.severity = sev as Severity;
  const st = p.get('status');
  if (st && (STATUSES as string[]).includes(st)) f.status = st as Status;
  const cls = p.get('class');
  if (cls && (SOURCE_CLASSES as readonly string[]).includes(cls)) f.class = cls;
  const range = p.get('range');
  if (range && (RANGES as string[]).includes(range)) f.range = range as Range;
  for (const k of ['site', 'asset', 'rule', 'q'] as const) {
    const v = text(p.get(k));
    if (v !== undefined) f[k] = v;
  }
  if (f.rule !== undefined && !/^[A-Za-z0-9_.:-]+$/.test(f.rule)) delete f.rule;
  return f;
}

// The URL's query for a filter, in a fixed order; the empty filter is "".
export function filterToSearch(f: Filter): string {
  const p = new URLSearchParams();
  for (const k of ['q', 'severity', 'status', 'site', 'asset', 'class', 'rule'] as const) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  if (f.range !== 'all') p.set('range', f.range);
  const s = p.toString();
  return s ? `?${s}` : '';
}

// The API's query: `now` (ms since 1970) anchors the time range.
export function filterToApiQuery(f: Filter, now: number, limit: number, cursor?: string): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ['severity', 'status', 'site', 'asset', 'class', 'rule', 'q'] as const) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  if (f.range !== 'all') p.set('since', String(Math.floor(now / 1000) - RANGE_SECONDS[f.range]));
  p.set('limit', String(limit));
  if (cursor) p.set('cursor', cursor);
  return p;
}

export function isEmptyFilter(f: Filter): boolean {
  return filterToSearch(f) === '';
}
