// One incident: what, where, when, the evidence and captured fields, its history, and the
// lifecycle buttons. Each step sends the status the officer saw (expected_status): if
// someone else changed it meanwhile the API answers 409 and the screen says so.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getIncident, transition } from '../api';
import { ErrorBox, Place, SeverityBadge, StatusBadge } from '../components';
import { useLang } from '../context';
import { fieldText, formatDateTime, formatDateTimeSeconds } from '../format';
import { incidentDescription, incidentTitle } from '../i18n';
import { ACTIONS, allowed, needsNote } from '../lifecycle';
import { follow } from '../router';
import type { IncidentDetail, Status } from '../types';

const ACTOR_KEY = 'wardsoc.actor';

function storedActor(): string {
  try {
    return localStorage.getItem(ACTOR_KEY) ?? '';
  } catch {
    return '';
  }
}

type Message = { kind: 'ok' | 'conflict' | 'error'; text: string };

export function IncidentScreen({ id }: { id: string }) {
  const { m, lang } = useLang();
  const [detail, setDetail] = useState<IncidentDetail | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [actor, setActor] = useState(storedActor());
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | undefined>();

  const load = async (signal?: AbortSignal): Promise<IncidentDetail | undefined> => {
    try {
      const d = await getIncident(id, signal);
      setDetail(d);
      setError(undefined);
      return d;
    } catch (e) {
      if (signal?.aborted) return undefined;
      setError(e instanceof ApiError && e.status === 404 ? m.not_found : e instanceof Error ? e.message : String(e));
      return undefined;
    }
  };

  useEffect(() => {
    const ctl = new AbortController();
    setDetail(undefined);
    void load(ctl.signal);
    return () => ctl.abort();
  }, [id]);

  if (error && !detail) {
    return (
      <section>
        <a href="/" onClick={follow} class="back">
          {m.back_to_list}
        </a>
        <ErrorBox error={error} onRetry={() => void load()} />
      </section>
    );
  }
  if (!detail) return <p class="notice">{m.loading}</p>;

  const i = detail.incident;
  const description = incidentDescription(i, lang);
  const fields = Object.entries(i.fields ?? {});

  const act = async (to: Status) => {
    setMessage(undefined);
    if (!actor.trim()) {
      setMessage({ kind: 'error', text: m.actor_required });
      return;
    }
    if (needsNote(i.status, to) && !note.trim()) {
      setMessage({ kind: 'error', text: m.note_required });
      return;
    }
    try {
      localStorage.setItem(ACTOR_KEY, actor.trim());
    } catch {
      /* not remembered in private mode */
    }
    setBusy(true);
    try {
      const r = await transition(i.id, {
        status: to,
        actor: actor.trim(),
        note: note.trim() || undefined,
        expected_status: i.status,
      });
      setNote('');
      await load();
      setMessage({ kind: 'ok', text: m.done_to(m.st[r.incident.status] ?? r.incident.status) });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const now = await load();
        const s = now?.incident.status ?? i.status;
        setMessage({ kind: 'conflict', text: m.conflict(m.st[s] ?? s) });
      } else {
        setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <article class="incident" aria-labelledby="incident-title">
      <a href="/" onClick={follow} class="back">
        {m.back_to_list}
      </a>
      <header class={`incident-head sevline-${i.severity}`}>
        <h1 id="incident-title">{incidentTitle(i, lang)}</h1>
        <p class="badges">
          <SeverityBadge severity={i.severity} /> <StatusBadge status={i.status} />
          <span class="muted rule-id">{i.rule?.id}</span>
        </p>
      </header>

      <div class="facts card">
        <h2>{m.what_happened}</h2>
        {description ? <p class="description">{description}</p> : <p class="description">{incidentTitle(i, lang)}</p>}
        <dl>
          <dt>{m.where}</dt>
          <dd>
            <Place incident={i} />
          </dd>
          {i.source?.class && (
            <>
              <dt>{m.source_class}</dt>
              <dd>{m.cls[i.source.class] ?? i.source.class}</dd>
            </>
          )}
          {i.source?.host && (
            <>
              <dt>{m.host}</dt>
              <dd>{i.source.host}</dd>
            </>
          )}
          <dt>{m.first_seen}</dt>
          <dd>
            <time dateTime={i.first_seen}>{formatDateTime(i.first_seen_us)}</time>
          </dd>
          <dt>{m.last_seen}</dt>
          <dd>
            <time dateTime={i.last_seen}>{formatDateTime(i.last_seen_us)}</time>
          </dd>
          <dt>{m.count}</dt>
          <dd>{i.count}</dd>
          {i.group_key && (
            <>
              <dt>{m.group_key}</dt>
              <dd>
                <code>{i.group_key}</code>
              </dd>
            </>
          )}
        </dl>
      </div>

      <div class="card actions no-print">
        <h2>{m.actions}</h2>
        <label>
          <span>{m.actor}</span>
          <input name="actor" value={actor} placeholder={m.actor_placeholder} maxLength={100} autoComplete="username" onInput={(e) => setActor((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          <span>{m.note}</span>
          <textarea name="note" rows={3} value={note} placeholder={m.note_placeholder} maxLength={4000} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        </label>
        <div class="buttons">
          {ACTIONS.map((to) => (
            <button type="button" class={`act act-${to}`} data-action={to} disabled={busy || !allowed(i.status, to)} onClick={() => void act(to)}>
              {m[`act_${to}`]}
            </button>
          ))}
        </div>
        {message && (
          <p class={`message msg-${message.kind}`} role={message.kind === 'ok' ? 'status' : 'alert'}>
            {message.text}
          </p>
        )}
      </div>

      {fields.length > 0 && (
        <div class="card">
          <h2>{m.fields}</h2>
          <dl class="fields">
            {fields.map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>
                  <code>{fieldText(v)}</code>
                </dd>
              </Fragment>
            ))}
          </dl>
        </div>
      )}

      <div class="card">
        <h2>{m.evidence}</h2>
        <ol class="evidence">
          {detail.evidence.map((e) => (
            <li key={e.seq}>
              <span class="ev-meta">
                <time dateTime={e.received}>{formatDateTimeSeconds(e.received ?? e.event_time)}</time>
                {e.peer && <span class="muted"> · {e.peer}</span>}
              </span>
              <code class="line">{e.line}</code>
            </li>
          ))}
        </ol>
        {(i.evidence_omitted ?? 0) > 0 && <p class="muted">{m.evidence_omitted(i.evidence_omitted ?? 0)}</p>}
      </div>

      <div class="card">
        <h2>{m.history}</h2>
        {detail.history.length === 0 ? (
          <p class="muted">{m.no_history}</p>
        ) : (
          <ol class="history">
            {detail.history.map((h) => (
              <li key={h.seq}>
                <time dateTime={h.time}>{formatDateTime(h.time)}</time> <strong>{h.actor}</strong>{' '}
                {h.from ? (
                  <>
                    <StatusBadge status={h.from} /> → <StatusBadge status={h.to} />
                  </>
                ) : (
                  <>
                    {m.history_opened} <StatusBadge status={h.to} />
                  </>
                )}
                {h.note && <p class="note">{h.note}</p>}
              </li>
            ))}
          </ol>
        )}
      </div>
    </article>
  );
}
