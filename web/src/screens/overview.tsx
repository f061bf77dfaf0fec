// Overview: incidents over time by severity (stacked bars), the rules and the sites with
// the most incidents, over the last 24 hours, 7 or 30 days.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, incidentStats, listIncidents } from '../api';
import { ErrorBox } from '../components';
import { useLang } from '../context';
import { filterToSearch } from '../filters';
import { formatBucket } from '../format';
import type { Lang } from '../i18n';
import { incidentTitle } from '../i18n';
import { follow } from '../router';
import { niceMax, severityBars, totals } from '../stats';
import type { Stats } from '../types';

type Period = '24h' | '7d' | '30d';
const PERIODS: Period[] = ['24h', '7d', '30d'];

function params(p: Period, by: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const seconds = p === '24h' ? 86400 : p === '7d' ? 7 * 86400 : 30 * 86400;
  return { bucket: p === '24h' ? 'hour' : 'day', by, since: String(now - seconds) };
}

export function Overview() {
  const { m } = useLang();
  const [period, setPeriod] = useState<Period>('7d');
  const [data, setData] = useState<{ sev: Stats; rule: Stats; site: Stats } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    setError(undefined);
    Promise.all([
      incidentStats(params(period, 'severity'), ctl.signal),
      incidentStats(params(period, 'rule'), ctl.signal),
      incidentStats(params(period, 'site'), ctl.signal),
    ])
      .then(([sev, rule, site]) => setData({ sev, rule, site }))
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e instanceof ApiError ? e.message : String(e));
      });
    return () => ctl.abort();
  }, [period, attempt]);

  return (
    <section aria-labelledby="overview-title">
      <div class="title-row">
        <h1 id="overview-title">{m.overview_title}</h1>
        <label class="period">
          <span>{m.overview_range}</span>
          <select value={period} onChange={(e) => setPeriod((e.target as HTMLSelectElement).value as Period)}>
            {PERIODS.map((p) => (
              <option value={p}>{m[`range_${p}`]}</option>
            ))}
          </select>
        </label>
      </div>
      {error && <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />}
      {!data && !error && <p class="notice">{m.loading}</p>}
      {data && (
        <>
          <div class="card">
            <h2>
              {m.over_time} <span class="muted">· {m.total}: {data.sev.total}</span>
            </h2>
            {data.sev.total === 0 ? <p class="muted">{m.nothing_yet}</p> : <Chart stats={data.sev} />}
          </div>
          <div class="two">
            <TopList title={m.top_rules} stats={data.rule} filterKey="rule" />
            <TopList title={m.top_sites} stats={data.site} filterKey="site" />
          </div>
        </>
      )}
    </section>
  );
}

function Chart({ stats }: { stats: Stats }) {
  const { m } = useLang();
  const bars = severityBars(stats);
  const max = niceMax(Math.max(0, ...bars.map((b) => b.total)));
  const W = 720;
  const H = 220;
  const left = 32;
  const bottom = 24;
  const slot = (W - left) / Math.max(1, bars.length);
  const bw = Math.max(2, slot * 0.7);
  const topPad = 12;
  const y = (v: number) => topPad + (H - bottom - topPad) * (1 - v / max);
  const labelEvery = Math.ceil(bars.length / 10);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={m.over_time}>
        <line x1={left} x2={W} y1={y(0)} y2={y(0)} class="axis" />
        <line x1={left} x2={W} y1={y(max)} y2={y(max)} class="grid" />
        <text x={left - 4} y={y(max) + 4} class="tick" text-anchor="end">
          {max}
        </text>
        <text x={left - 4} y={y(0)} class="tick" text-anchor="end">
          0
        </text>
        {bars.map((b, n) => {
          let acc = 0;
          const x = left + n * slot + (slot - bw) / 2;
          return (
            <g key={b.start_us}>
              <title>
                {formatBucket(b.start_us, stats.bucket)}: {b.total}
              </title>
              {b.segments.map((s) => {
                const y0 = y(acc);
                acc += s.count;
                const y1 = y(acc);
                return <rect x={x} y={y1} width={bw} height={Math.max(0, y0 - y1)} class={`bar-${s.severity}`} />;
              })}
              {n % labelEvery === 0 && (
                <text x={x + bw / 2} y={H - 6} class="tick" text-anchor="middle">
                  {formatBucket(b.start_us, stats.bucket)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {(['critical', 'high', 'medium', 'low', 'info'] as const).map((s) => (
          <span>
            <i class={`swatch bar-${s}`} aria-hidden="true" /> {m.sev[s]}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function TopList({ title, stats, filterKey }: { title: string; stats: Stats; filterKey: 'rule' | 'site' }) {
  const { m, lang } = useLang();
  const rows = totals(stats).slice(0, 10);
  const top = rows[0]?.count ?? 1;
  const titles = useRuleTitles(filterKey === 'rule' ? rows.map((r) => r.key) : [], lang);
  return (
    <div class="card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">{m.nothing_yet}</p>
      ) : (
        <ol class="top">
          {rows.map((r) => (
            <li key={r.key}>
              <a href={`/${filterToSearch({ range: 'all', [filterKey]: r.key })}`} onClick={follow}>
                {(filterKey === 'rule' && titles[r.key]) || r.key || m.unknown_place}
              </a>
              <span class="meter" aria-hidden="true">
                <span class="fill" style={{ width: `${Math.round((100 * r.count) / top)}%` }} />
              </span>
              <span class="num">{r.count}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

// The stats name rules by id; the newest incident of each rule carries its title.
function useRuleTitles(ids: string[], lang: Lang): Record<string, string> {
  const [titles, setTitles] = useState<Record<string, string>>({});
  const key = ids.join('\n');
  useEffect(() => {
    const ctl = new AbortController();
    void Promise.all(
      ids.map((id) =>
        listIncidents(new URLSearchParams({ rule: id, limit: '1' }), ctl.signal)
          .then((p) => [id, p.incidents[0] ? incidentTitle(p.incidents[0], lang) : ''] as const)
          .catch(() => [id, ''] as const),
      ),
    ).then((pairs) => {
      if (!ctl.signal.aborted) setTitles(Object.fromEntries(pairs.filter(([, t]) => t)));
    });
    return () => ctl.abort();
  }, [key, lang]);
  return titles;
}
