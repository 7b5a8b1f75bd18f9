import { randomBytes } from 'node:crypto';

/** A name no other test run uses, so tests share one server without cleaning up after each other. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
