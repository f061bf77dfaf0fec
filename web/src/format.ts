// Dates as the ward reads them: dd/mm/yyyy HH:mm in Asia/Ho_Chi_Minh, whatever the
// browser's own zone is.
export const ZONE = 'Asia/Ho_Chi_Minh';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

function parts(ms: number, zone: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

// Microseconds since 1970 (the API's *_us fields) or an RFC 3339 text.
export function toMillis(t: number | string | undefined | null): number | undefined {
  if (t === undefined || t === null || t === '') return undefined;
  const ms = typeof t === 'number' ? Math.floor(t / 1000) : Date.parse(t);
  // Beyond what a Date holds (±8.64e15 ms) formatting would throw.
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined;
}

// "25/11/2026 09:21"; "" for a missing or broken time.
export function formatDateTime(t: number | string | undefined | null, zone = ZONE): string {
  const ms = toMillis(t);
  if (ms === undefined) return '';
  const p = parts(ms, zone);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

// With seconds, for evidence lines and history.
export function formatDateTimeSeconds(t: number | string | undefined | null, zone = ZONE): string {
  const ms = toMillis(t);
  if (ms === undefined) return '';
  const p = parts(ms, zone);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}`;
}

// Chart labels: "25/11" for day buckets, "25/11 09h" for hours.
export function formatBucket(t: number | string, bucket: 'hour' | 'day', zone = ZONE): string {
  const ms = toMillis(t);
  if (ms === undefined) return '';
  const p = parts(ms, zone);
  return bucket === 'day' ? `${p.day}/${p.month}` : `${p.day}/${p.month} ${p.hour}h`;
}

// For <time dateTime>: RFC 3339, or nothing for a missing or broken time.
export function isoTime(t: number | string | undefined | null): string | undefined {
  const ms = toMillis(t);
  if (ms === undefined) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

// Whatever a captured field holds, as one line of text.
export function fieldText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
