// The shapes of the API's JSON (docs/api.md). Everything in them comes from log lines or
// from the network: it is shown as text only, never as markup.

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export type Status = 'new' | 'acknowledged' | 'in_progress' | 'resolved' | 'false_positive';
export const STATUSES: Status[] = ['new', 'acknowledged', 'in_progress', 'resolved', 'false_positive'];

export const SOURCE_CLASSES = ['lan', 'wifi', 'camera', 'iot', 'server', 'other'] as const;

export interface IncidentSource {
  asset?: string;
  site?: string;
  class?: string;
  host?: string;
  input?: string;
}

export interface Incident {
  id: string;
  rule: { id: string; version?: string };
  title: string;
  title_vi?: string;
  description?: string;
  description_vi?: string;
  severity: Severity;
  level?: number;
  tags?: string[];
  status: Status;
  group_key?: string;
  count: number;
  first_seen: string;
  last_seen: string;
  first_seen_us: number;
  last_seen_us: number;
  source?: IncidentSource;
  fields?: Record<string, unknown>;
  evidence_count?: number;
  evidence_omitted?: number;
  updated?: string;
}

export interface IncidentPage {
  incidents: Incident[];
  next_cursor: string;
}

export interface Evidence {
  seq: number;
  received?: string;
  event_time?: string;
  input?: string;
  peer?: string;
  line: string;
}

export interface HistoryEntry {
  seq: number;
  time: string;
  actor: string;
  from: Status | null;
  to: Status;
  note?: string;
}

export interface IncidentDetail {
  incident: Incident;
  evidence: Evidence[];
  history: HistoryEntry[];
}

export interface StatsBucket {
  start: string;
  start_us: number;
  counts: Record<string, number>;
  total: number;
}

export interface Stats {
  bucket: 'hour' | 'day';
  by: 'severity' | 'rule' | 'site';
  zone: string;
  total: number;
  buckets: StatsBucket[];
}
