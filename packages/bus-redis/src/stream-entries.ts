/** One stream entry as read; `fields` is undefined when the entry was deleted or trimmed while pending. */
export interface StreamEntry {
  readonly stream: string;
  readonly id: string;
  readonly fields: Readonly<Record<string, string>> | undefined;
}

/** Entry fields as the flat `[name, value, ...]` list `XADD` takes. */
export function flattenFields(fields: Readonly<Record<string, string>>): string[] {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(fields)) flat.push(name, value);
  return flat;
}

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** A flat `[name, value, ...]` reply as a record; a later duplicate name wins. */
export function fieldsOf(flat: unknown): Record<string, string> | undefined {
  if (!Array.isArray(flat)) return undefined;
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) fields[text(flat[index])] = text(flat[index + 1]);
  return fields;
}

/** `[[id, [name, value, ...] | null], ...]` as entries of `stream`. */
export function entriesOf(stream: string, items: unknown): StreamEntry[] {
  if (!Array.isArray(items)) return [];
  return items.map((item: unknown) => {
    const [id, flat] = item as [unknown, unknown];
    return { stream, id: text(id), fields: fieldsOf(flat) };
  });
}

/**
 * The entries of an `XREAD`/`XREADGROUP` reply, in either shape ioredis hands back: RESP2's
 * `[[stream, items], ...]` or RESP3's map flattened to `[stream, items, stream, items]`.
 */
export function readReplyEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const entries: StreamEntry[] = [];
  if (typeof reply[0] === 'string' || Buffer.isBuffer(reply[0])) {
    for (let index = 0; index + 1 < reply.length; index += 2)
      entries.push(...entriesOf(text(reply[index]), reply[index + 1]));
  } else {
    for (const pair of reply as [unknown, unknown][]) entries.push(...entriesOf(text(pair[0]), pair[1]));
  }
  return entries;
}

/** The `XAUTOCLAIM` reply: the cursor to continue from (`0-0` when done) and the claimed entries. */
export function autoClaimReply(stream: string, reply: unknown): { next: string; entries: StreamEntry[] } {
  // Redis 7 adds a third element, the ids of entries deleted while pending; it has already
  // dropped those from the pending list, so there is nothing left to do for them.
  const [next, items] = (Array.isArray(reply) ? reply : []) as [unknown, unknown];
  return { next: next === undefined ? '0-0' : text(next), entries: entriesOf(stream, items) };
}
