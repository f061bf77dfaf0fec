// The live incident list: newest activity first, grouped by rule and source, filtered by
// what the URL says, refreshed every few seconds without moving what the user looks at.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, listIncidents } from '../api';
import { ErrorBox, Place, SeverityBadge, StatusBadge } from '../components';
import { useLang } from '../context';
import { EMPTY_FILTER, RANGES, filterToApiQuery, filterToSearch, isEmptyFilter, parseFilter } from '../filters';
import type { Filter, Range } from '../filters';
import { formatDateTime, formatDateTimeSeconds, isoTime } from '../format';
import { groupIncidents, mergeIncidents } from '../grouping';
import type { IncidentGroup } from '../grouping';
import { incidentTitle } from '../i18n';
import { follow, navigate } from '../router';
import { SEVERITIES, SOURCE_CLASSES, STATUSES } from '../types';
import type { Incident } from '../types';

export const POLL_MS = 3000;
const PAGE = 50;
const LIVE_MAX = 500; // rows refreshed as a whole on each poll; older ones are merged

interface ListState {
  incidents: Incident[];
  cursor: string;
  loading: boolean;
  error?: string;
  live: boolean;
  updatedAt?: number;
}

export function IncidentList({ search }: { search: string }) {
  const { m, lang } = useLang();
  const filter = useMemo(() => parseFilter(search), [search]);
  const filterKey = filterToSearch(filter);
  const [state, setState] = useState<ListState>({ incidents: [], cursor: '', loading: true, live: true });
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const stateRef = useRef(state);
  stateRef.current = state;
  const listRef = useRef<HTMLOListElement>(null);
  const anchor = useRef<{ key: string; top: number } | null>(null);

  // Remember the first row the user can see, so that rows added above it do not push it away.
  const rememberAnchor = () => {
    anchor.current = null;
    if (window.scrollY <= 0 || !listRef.current) return;
    for (const el of Array.from(listRef.current.children) as HTMLElement[]) {
      const r = el.getBoundingClientRect();
      if (r.bottom > 0) {
        anchor.current = { key: el.dataset.key ?? '', top: r.top };
        return;
      }
    }
  };
  useLayoutEffect(() => {
    const a = anchor.current;
    anchor.current = null;
    if (!a || !listRef.current) return;
    const el = Array.from(listRef.current.children).find((c) => (c as HTMLElement).dataset.key === a.key);
    if (el) window.scrollBy(0, el.getBoundingClientRect().top - a.top);
  }, [state.incidents]);

  useEffect(() => {
    const ctl = new AbortController();
    let timer: number | undefined;
    setState({ incidents: [], cursor: '', loading: true, live: true });
    setExpanded(new Set());

    const refresh = async (first: boolean) => {
      const shown = stateRef.current.incidents.length;
      const limit = first ? PAGE : Math.min(Math.max(shown, PAGE), LIVE_MAX);
      try {
        const page = await listIncidents(filterToApiQuery(filter, Date.now(), limit), ctl.signal);
        if (ctl.signal.aborted) return;
        rememberAnchor();
        setState((s) => {
          const whole = first || s.incidents.length <= LIVE_MAX;
          return {
            incidents: whole ? page.incidents : mergeIncidents(s.incidents, page.incidents),
            cursor: whole ? page.next_cursor : s.cursor,
            loading: false,
            live: true,
            updatedAt: Date.now(),
          };
        });
      } catch (e) {
        if (ctl.signal.aborted) return;
        const msg = e instanceof ApiError ? e.message : String(e);
        setState((s) => ({ ...s, loading: false, live: false, error: s.incidents.length ? undefined : msg }));
        if (e instanceof ApiError && e.status === 401) return;
      }
      timer = window.setTimeout(() => void refresh(false), POLL_MS);
    };
    void refresh(true);
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
    // filterKey stands for filter
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filterKey]);

  const loadMore = useCallback(async () => {
    const s = stateRef.current;
    if (!s.cursor) return;
    setState((x) => ({ ...x, loading: true }));
    try {
      const page = await listIncidents(filterToApiQuery(filter, Date.now(), PAGE, s.cursor));
      setState((x) => ({
        ...x,
        incidents: mergeIncidents(x.incidents, page.incidents),
        cursor: page.next_cursor,
        loading: false,
      }));
    } catch (e) {
      setState((x) => ({ ...x, loading: false, error: e instanceof ApiError ? e.message : String(e) }));
    }
  }, [filterKey]);

  const groups = useMemo(() => groupIncidents(state.incidents), [state.incidents]);
  const setFilter = (f: Filter) => navigate(`/${filterToSearch(f)}`, true);

  return (
    <section aria-labelledby="list-title">
      <div class="title-row">
        <h1 id="list-title">{m.incidents_title}</h1>
        <p class={`live ${state.live ? 'on' : 'off'}`} aria-live="polite">
          {state.live ? m.live : m.live_paused}
          {state.updatedAt !== undefined && (
            <span class="muted">
              {' '}
              · {m.updated_at} {formatDateTimeSeconds(state.updatedAt * 1000).slice(11)}
            </span>
          )}
        </p>
      </div>
      <FilterBar filter={filter} onChange={setFilter} incidents={state.incidents} />
      {state.error && <ErrorBox error={state.error} />}
      <div class="list-head" aria-hidden="true">
        <span>{m.col_severity}</span>
        <span>{m.col_what}</span>
        <span>{m.col_where}</span>
        <span class="num">{m.col_count}</span>
        <span>{m.col_since}</span>
        <span>{m.col_last}</span>
        <span>{m.col_status}</span>
      </div>
      <ol class="incidents" ref={listRef} aria-busy={state.loading}>
        {groups.map((g) => (
          <GroupRow
            key={g.key}
            group={g}
            lang={lang}
            open={expanded.has(g.key)}
            onToggle={() =>
              setExpanded((s) => {
                const n = new Set(s);
                if (n.has(g.key)) n.delete(g.key);
                else n.add(g.key);
                return n;
              })
            }
          />
        ))}
      </ol>
      {!state.loading && groups.length === 0 && !state.error && <p class="notice">{m.no_incidents}</p>}
      {state.loading && groups.length === 0 && <p class="notice">{m.loading}</p>}
      {state.cursor && (
        <button type="button" class="more" onClick={() => void loadMore()} disabled={state.loading}>
          {m.load_more}
        </button>
      )}
    </section>
  );
}

function GroupRow({ group, lang, open, onToggle }: { group: IncidentGroup; lang: 'vi' | 'en'; open: boolean; onToggle: () => void }) {
  const { m } = useLang();
  const i = group.latest;
  const many = group.members.length > 1;
  return (
    <li class={`row sevline-${group.severity}`} data-key={group.key} data-id={i.id}>
      <a class="row-link" href={`/incidents/${encodeURIComponent(i.id)}`} onClick={follow}>
        <span class="c-sev">
          <SeverityBadge severity={group.severity} />
        </span>
        <span class="c-what">
          <span class="title">{incidentTitle(i, lang)}</span>
          {many && <span class="grouped">{m.grouped(group.members.length)}</span>}
        </span>
        <span class="c-where">
          <Place incident={i} />
        </span>
        <span class="c-count num" title={m.col_count}>
          <span class="label">{m.col_count}: </span>
          {many ? group.events : i.count}
        </span>
        <span class="c-since">
          <span class="label">{m.col_since}: </span>
          <time dateTime={isoTime(group.first_seen_us)}>{formatDateTime(group.first_seen_us)}</time>
        </span>
        <span class="c-last">
          <span class="label">{m.col_last}: </span>
          <time dateTime={i.last_seen}>{formatDateTime(i.last_seen_us)}</time>
        </span>
        <span class="c-status">
          <StatusBadge status={i.status} />
        </span>
      </a>
      {many && (
        <button type="button" class="toggle" aria-expanded={open} onClick={onToggle}>
          {open ? m.hide_group : m.show_group}
        </button>
      )}
      {many && open && (
        <ol class="members">
          {group.members.map((x) => (
            <li key={x.id} data-id={x.id}>
              <a href={`/incidents/${encodeURIComponent(x.id)}`} onClick={follow}>
                <SeverityBadge severity={x.severity} /> <span>{formatDateTime(x.first_seen_us)}</span>
                {' – '}
                <span>{formatDateTime(x.last_seen_us)}</span> · <span>{m.times(x.count)}</span> · <StatusBadge status={x.status} />
              </a>
            </li>
          ))}
        </ol>
      )}
    </li>
  );
}

function FilterBar({ filter, onChange, incidents }: { filter: Filter; onChange: (f: Filter) => void; incidents: Incident[] }) {
  const { m } = useLang();
  const [q, setQ] = useState(filter.q ?? '');
  useEffect(() => setQ(filter.q ?? ''), [filter.q]);
  // Typing waits a moment before it becomes the filter.
  useEffect(() => {
    if ((filter.q ?? '') === q.trim()) return undefined;
    const t = window.setTimeout(() => onChange({ ...filter, q: q.trim() || undefined }), 300);
    return () => window.clearTimeout(t);
  }, [q]);

  // On a phone the filters other than the search fold away behind a button.
  const [open, setOpen] = useState(() => !isEmptyFilter({ ...filter, q: undefined }) || !window.matchMedia?.('(max-width: 600px)').matches);
  const active = (['severity', 'status', 'class', 'site', 'rule', 'asset'] as const).filter((k) => filter[k]).length + (filter.range !== 'all' ? 1 : 0);
  const sites = useMemo(() => distinct(incidents.map((i) => i.source?.site)), [incidents]);
  const rules = useMemo(() => distinct(incidents.map((i) => i.rule?.id)), [incidents]);
  const set = (k: keyof Filter, v: string) => onChange({ ...filter, [k]: v || undefined });

  return (
    <form class="filters" role="search" aria-label={m.filters} onSubmit={(e) => {
      e.preventDefault();
      onChange({ ...filter, q: q.trim() || undefined });
    }}>
      <label class="search">
        <span>{m.search}</span>
        <input type="search" name="q" value={q} placeholder={m.search_placeholder} maxLength={200} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </label>
      <button type="button" class="filter-toggle" aria-expanded={open} aria-controls="more-filters" onClick={() => setOpen(!open)}>
        {m.filter}
        {active > 0 ? ` (${active})` : ''}
      </button>
      <div class="more-filters" id="more-filters" hidden={!open}>
      <label>
        <span>{m.severity_at_least}</span>
        <select name="severity" value={filter.severity ?? ''} onChange={(e) => set('severity', (e.target as HTMLSelectElement).value)}>
          <option value="">{m.any}</option>
          {SEVERITIES.map((s) => (
            <option value={s}>{m.sev[s]}</option>
          ))}
        </select>
      </label>
      <label>
        <span>{m.status}</span>
        <select name="status" value={filter.status ?? ''} onChange={(e) => set('status', (e.target as HTMLSelectElement).value)}>
          <option value="">{m.any}</option>
          {STATUSES.map((s) => (
            <option value={s}>{m.st[s]}</option>
          ))}
        </select>
      </label>
      <label>
        <span>{m.source_class}</span>
        <select name="class" value={filter.class ?? ''} onChange={(e) => set('class', (e.target as HTMLSelectElement).value)}>
          <option value="">{m.any}</option>
          {SOURCE_CLASSES.map((c) => (
            <option value={c}>{m.cls[c]}</option>
          ))}
        </select>
      </label>
      <label>
        <span>{m.time_range}</span>
        <select name="range" value={filter.range} onChange={(e) => onChange({ ...filter, range: (e.target as HTMLSelectElement).value as Range })}>
          {RANGES.map((r) => (
            <option value={r}>{m[`range_${r}`]}</option>
          ))}
        </select>
      </label>
      <TextFilter label={m.site} name="site" value={filter.site} options={sites} onCommit={(v) => set('site', v)} />
      <TextFilter label={m.rule} name="rule" value={filter.rule} options={rules} onCommit={(v) => set('rule', v)} />
      {!isEmptyFilter(filter) && (
        <button type="button" class="clear" onClick={() => { setQ(''); onChange(EMPTY_FILTER); }}>
          {m.clear_filters}
        </button>
      )}
      </div>
    </form>
  );
}

// A free-text filter (exact names, as in assets.yaml): applied on Enter or when left.
function TextFilter({ label, name, value, options, onCommit }: { label: string; name: string; value?: string; options: string[]; onCommit: (v: string) => void }) {
  const [v, setV] = useState(value ?? '');
  useEffect(() => setV(value ?? ''), [value]);
  const commit = () => {
    if (v.trim() !== (value ?? '')) onCommit(v.trim());
  };
  return (
    <label>
      <span>{label}</span>
      <input
        name={name}
        value={v}
        list={`${name}-options`}
        maxLength={200}
        onInput={(e) => setV((e.target as HTMLInputElement).value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          }
        }}
      />
      <datalist id={`${name}-options`}>
        {options.map((o) => (
          <option value={o} />
        ))}
      </datalist>
    </label>
  );
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b, 'vi'));
}
