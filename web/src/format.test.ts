import { describe, expect, it } from 'vitest';
import { fieldText, formatBucket, formatDateTime, formatDateTimeSeconds, isoTime, toMillis } from './format';

describe('formatDateTime', () => {
  it('shows UTC instants in Asia/Ho_Chi_Minh as dd/mm/yyyy HH:mm', () => {
    expect(formatDateTime('2026-11-25T02:21:07.918301Z')).toBe('25/11/2026 09:21');
  });
  it('crosses midnight into the next day in Vietnam', () => {
    expect(formatDateTime('2026-12-31T17:30:00Z')).toBe('01/01/2027 00:30');
  });
  it('reads the API microseconds', () => {
    // 2026-11-25T02:21:08.020456Z
    expect(formatDateTime(1795573268020456)).toBe('25/11/2026 09:21');
    expect(toMillis(1795573268020456)).toBe(1795573268020);
  });
  it('keeps 24-hour time with leading zeros', () => {
    expect(formatDateTime('2026-03-04T22:05:00Z')).toBe('05/03/2026 05:05');
    expect(formatDateTimeSeconds('2026-03-04T11:05:09Z')).toBe('04/03/2026 18:05:09');
  });
  it('gives nothing for missing or broken times', () => {
    expect(formatDateTime(undefined)).toBe('');
    expect(formatDateTime('not a time')).toBe('');
    expect(formatDateTime(Number.NaN)).toBe('');
    expect(formatDateTime(1e30)).toBe('');
    expect(formatDateTimeSeconds(-1e30)).toBe('');
  });
  it('gives <time> an RFC 3339 value or none, never throws', () => {
    expect(isoTime(1795573268020456)).toBe('2026-11-25T02:21:08.020Z');
    expect(isoTime(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(isoTime(1e30)).toBeUndefined();
    expect(isoTime('garbage')).toBeUndefined();
  });
  it('labels chart buckets', () => {
    expect(formatBucket('2026-11-24T17:00:00Z', 'day')).toBe('25/11');
    expect(formatBucket('2026-11-24T17:00:00Z', 'hour')).toBe('25/11 00h');
  });
});

describe('fieldText', () => {
  it('shows any captured value as one line of text', () => {
    expect(fieldText('<script>x</script>')).toBe('<script>x</script>');
    expect(fieldText(42)).toBe('42');
    expect(fieldText(['a', 1])).toBe('["a",1]');
    expect(fieldText(null)).toBe('');
  });
});
