import { describe, expect, it } from 'vitest';
import { filterToApiQuery, filterToSearch, isEmptyFilter, parseFilter } from './filters';

describe('the filter in the URL', () => {
  it('round-trips every field, Vietnamese names included', () => {
    const f = parseFilter('?q=mat%20khau&severity=high&status=new&site=Nh%C3%A0%20v%C4%83n%20h%C3%B3a%20t%E1%BB%95%203&class=camera&rule=ssh.auth_failure_burst&range=24h');
    expect(f).toEqual({
      q: 'mat khau',
      severity: 'high',
      status: 'new',
      site: 'Nhà văn hóa tổ 3',
      class: 'camera',
      rule: 'ssh.auth_failure_burst',
      range: '24h',
    });
    expect(parseFilter(filterToSearch(f))).toEqual(f);
  });
  it('drops values that are not one of the known ones', () => {
    const f = parseFilter('?severity=awful&status=gone&class=toaster&range=forever&rule=%3Cscript%3E');
    expect(f).toEqual({ range: 'all' });
    expect(isEmptyFilter(f)).toBe(true);
  });
  it('drops control characters and overlong text', () => {
    expect(parseFilter('?q=a%0Ab').q).toBeUndefined();
    expect(parseFilter(`?site=${'x'.repeat(201)}`).site).toBeUndefined();
    expect(parseFilter('?q=%20%20').q).toBeUndefined();
  });
  it('writes the empty filter as no query at all', () => {
    expect(filterToSearch({ range: 'all' })).toBe('');
  });
});

describe('the API query', () => {
  it('turns the time range into since, in seconds', () => {
    const now = Date.UTC(2026, 10, 25, 3, 0, 0);
    const p = filterToApiQuery({ range: '1h', severity: 'medium' }, now, 50);
    expect(p.get('since')).toBe(String(now / 1000 - 3600));
    expect(p.get('severity')).toBe('medium');
    expect(p.get('limit')).toBe('50');
    expect(p.has('cursor')).toBe(false);
  });
  it('passes the cursor and leaves since out for any time', () => {
    const p = filterToApiQuery({ range: 'all', site: 'Nhà văn hóa tổ 3' }, 0, 100, 'abc');
    expect(p.get('cursor')).toBe('abc');
    expect(p.has('since')).toBe(false);
    expect(p.toString()).toContain('site=Nh%C3%A0+v%C4%83n');
  });
});
