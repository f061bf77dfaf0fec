// Which steps the API allows from a status (docs/api.md, POST .../transition), and which
// need a note. The server checks again; this only decides which buttons are offered.
import type { Status } from './types';

export type Action = 'acknowledged' | 'in_progress' | 'resolved' | 'false_positive';
export const ACTIONS: Action[] = ['acknowledged', 'in_progress', 'resolved', 'false_positive'];

const ORDER: Record<Status, number> = { new: 0, acknowledged: 1, in_progress: 2, resolved: 3, false_positive: 3 };

export function allowed(from: Status, to: Status): boolean {
  if (to === 'new' || to === from) return false;
  if (from === 'resolved' || from === 'false_positive') return true; // reopen or reclassify
  return ORDER[to] > ORDER[from];
}

export function needsNote(from: Status, to: Status): boolean {
  return to === 'resolved' || to === 'false_positive' || from === 'resolved' || from === 'false_positive';
}
