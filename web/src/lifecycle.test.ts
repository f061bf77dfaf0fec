import { describe, expect, it } from 'vitest';
import { allowed, needsNote } from './lifecycle';

describe('lifecycle', () => {
  it('goes forward, skipping steps, never back to new', () => {
    expect(allowed('new', 'acknowledged')).toBe(true);
    expect(allowed('new', 'resolved')).toBe(true);
    expect(allowed('in_progress', 'acknowledged')).toBe(false);
    expect(allowed('acknowledged', 'acknowledged')).toBe(false);
    expect(allowed('resolved', 'new')).toBe(false);
  });
  it('reopens and reclassifies finished incidents', () => {
    expect(allowed('resolved', 'in_progress')).toBe(true);
    expect(allowed('false_positive', 'resolved')).toBe(true);
  });
  it('asks for a note when resolving, marking false, or reopening', () => {
    expect(needsNote('new', 'acknowledged')).toBe(false);
    expect(needsNote('new', 'resolved')).toBe(true);
    expect(needsNote('acknowledged', 'false_positive')).toBe(true);
    expect(needsNote('resolved', 'acknowledged')).toBe(true);
  });
});
