// The one way the dashboard talks to wardsoc. Every request goes through apiFetch, so
// that how it authenticates (today the API's bearer token, later a session cookie with a
// CSRF header) is decided here and nowhere else.
import type { IncidentDetail, IncidentPage, Stats, Status } from './types';

const TOKEN_KEY = 'wardsoc.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Credentials {
  // Headers added to every request. A session-based login replaces this with the CSRF
  // header of its cookie (and `credentials: 'same-origin'` below sends the cookie).
  headers(method: string): Record<string, string>;
  // A 401: forget what we had, so that the user is asked again.
  rejected(): void;
}

function storage(): Storage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

export const tokenCredentials: Credentials & { set(token: string): void; has(): boolean } = {
  headers(): Record<string, string> {
    const t = storage()?.getItem(TOKEN_KEY);
    return t ? { Authorization: `Bearer ${t}` } : {};
  },
  rejected() {
    storage()?.removeItem(TOKEN_KEY);
  },
  set(token: string) {
    storage()?.setItem(TOKEN_KEY, token);
  },
  has() {
    return !!storage()?.getItem(TOKEN_KEY);
  },
};

let credentials: Credentials = tokenCredentials;
const unauthorizedListeners = new Set<() => void>();

export function useCredentials(c: Credentials): void {
  credentials = c;
}

export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function apiFetch<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...credentials.headers(method) };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, signal: init.signal, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', (e as Error).message || 'network error');
  }
  const text = await res.text();
  let doc: unknown = undefined;
  try {
    doc = text ? JSON.parse(text) : undefined;
  } catch {
    doc = undefined;
  }
  if (!res.ok) {
    const err = (doc as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof err?.code === 'string' ? err.code : String(res.status);
    const message = typeof err?.message === 'string' ? err.message : `${res.status} ${res.statusText}`;
    if (res.status === 401) {
      credentials.rejected();
      unauthorizedListeners.forEach((l) => l());
    }
    throw new ApiError(res.status, code, message);
  }
  if (doc === undefined) throw new ApiError(res.status, 'bad_response', `${path}: the answer is not JSON`);
  return doc as T;
}

export function listIncidents(query: URLSearchParams, signal?: AbortSignal): Promise<IncidentPage> {
  return apiFetch<IncidentPage>(`/api/v1/incidents?${query.toString()}`, { signal });
}

export function getIncident(id: string, signal?: AbortSignal): Promise<IncidentDetail> {
  return apiFetch<IncidentDetail>(`/api/v1/incidents/${encodeURIComponent(id)}`, { signal });
}

export function transition(
  id: string,
  change: { status: Status; actor: string; note?: string; expected_status: Status },
): Promise<{ incident: IncidentDetail['incident'] }> {
  return apiFetch(`/api/v1/incidents/${encodeURIComponent(id)}/transition`, { method: 'POST', body: change });
}

export function incidentStats(params: Record<string, string>, signal?: AbortSignal): Promise<Stats> {
  return apiFetch<Stats>(`/api/v1/stats/incidents?${new URLSearchParams(params).toString()}`, { signal });
}
