import type { Redis } from 'ioredis';

/** How far a consumer group is behind on one stream, from `XINFO GROUPS` (Redis 7.0+). */
export interface GroupLag {
  /** Entries delivered to a member and not yet acknowledged. */
  readonly pending: number;
  /**
   * Entries not yet delivered to any member; undefined when Redis cannot tell (after entries
   * were deleted out of the middle of the stream, or before 7.0).
   */
  readonly undelivered: number | undefined;
}

function fieldMap(row: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (Array.isArray(row))
    for (let index = 0; index + 1 < row.length; index += 2) map.set(String(row[index]), row[index + 1]);
  else if (row !== null && typeof row === 'object')
    for (const [name, value] of Object.entries(row)) map.set(name, value);
  return map;
}

/** The group's lag on `stream`, or undefined when the stream or group does not exist. */
export async function readGroupLag(
  command: Redis,
  stream: string,
  group: string,
): Promise<GroupLag | undefined> {
  let rows: unknown;
  try {
    rows = await command.call('XINFO', 'GROUPS', stream);
  } catch {
    return undefined;
  }
  for (const row of Array.isArray(rows) ? rows : []) {
    const fields = fieldMap(row);
    if (String(fields.get('name')) !== group) continue;
    const lag = fields.get('lag');
    return {
      pending: Number(fields.get('pending') ?? 0),
      undelivered: lag === null || lag === undefined ? undefined : Number(lag),
    };
  }
  return undefined;
}
