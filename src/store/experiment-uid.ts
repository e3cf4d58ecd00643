import { randomBytes } from 'node:crypto';

/**
 * A ULID-like id: 12 hex digits of milliseconds since 1970 then 12 random hex digits, so ids sort by creation time
 * and two processes starting in the same millisecond still differ.
 */
export function newExperimentUid(now: Date = new Date()): string {
  return now.getTime().toString(16).padStart(12, '0') + randomBytes(6).toString('hex');
}
