// Incidents of the same rule and the same source (asset, else host) shown as one row
// with a count, so that a camera that loses its picture fifty times is one line.
import type { Incident, Severity, Status } from './types';

export interface IncidentGroup {
  key: string;
  // The one with the newest activity: its title, place and status stand for the group.
  latest: Incident;
  members: Incident[]; // newest activity first
  severity: Severity; // the worst of the members
  events: number; // events over all members
  first_seen_us: number;
  last_seen_us: number;
  // Statuses that still need someone (new/acknowledged/in_progress), counted.
  open: number;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const OPEN: Status[] = ['new', 'acknowledged', 'in_progress'];

export function severityRank(s: string): number {
  return SEVERITY_RANK[s as Severity] ?? -1;
}

export function groupKey(i: Incident): string {
  const where = i.source?.asset || i.source?.host || '';
  return JSON.stringify([i.rule?.id ?? '', where]);
}

// `incidents` in any order; groups come out newest activity first, members likewise.
export function groupIncidents(incidents: Incident[]): IncidentGroup[] {
  const byKey = new Map<string, Incident[]>();
  for (const i of incidents) {
    const k = groupKey(i);
    const list = byKey.get(k);
    if (list) list.push(i);
    else byKey.set(k, [i]);
  }
  const groups: IncidentGroup[] = [];
  for (const [key, members] of byKey) {
    members.sort(newestFirst);
    let severity = members[0].severity;
    let events = 0;
    let first = Number.POSITIVE_INFINITY;
    let open = 0;
    for (const m of members) {
      if (severityRank(m.severity) > severityRank(severity)) severity = m.severity;
      events += Number.isFinite(m.count) ? m.count : 0;
      first = Math.min(first, m.first_seen_us);
      if (OPEN.includes(m.status)) ++open;
    }
    groups.push({
      key,
      latest: members[0],
      members,
      severity,
      events,
      first_seen_us: first,
      last_seen_us: members[0].last_seen_us,
      open,
    });
  }
  groups.sort((a, b) => newestFirst(a.latest, b.latest));
  return groups;
}

export function newestFirst(a: Incident, b: Incident): number {
  if (b.last_seen_us !== a.last_seen_us) return b.last_seen_us - a.last_seen_us;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// Incidents already shown, with a fresher page merged in: the fresher copy of each id
// wins, the result is newest activity first. Neither input is changed.
export function mergeIncidents(known: Incident[], fresh: Incident[]): Incident[] {
  const byId = new Map<string, Incident>();
  for (const i of known) byId.set(i.id, i);
  for (const i of fresh) {
    const old = byId.get(i.id);
    if (!old || !isOlder(i, old)) byId.set(i.id, i);
  }
  return [...byId.values()].sort(newestFirst);
}

function isOlder(a: Incident, b: Incident): boolean {
  const ua = a.updated ? Date.parse(a.updated) : Number.NaN;
  const ub = b.updated ? Date.parse(b.updated) : Number.NaN;
  if (!Number.isNaN(ua) && !Number.isNaN(ub) && ua !== ub) return ua < ub;
  return a.last_seen_us < b.last_seen_us;
}
