import type { Redis } from 'ioredis';
import { fieldsOf, flattenFields } from './stream-entries.ts';

/** Fields the bus adds to a dead letter besides the kit's `dlq_*` reason fields. */
export const DeadLetterFields = {
  originalStream: 'dlq_original_stream',
  originalId: 'dlq_original_id',
} as const;

/** A dead letter as stored: its DLQ entry id and every field. */
export interface StoredDeadLetter {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Appends a dead letter; resolves with its entry id once Redis accepted it. */
export async function addDeadLetter(
  command: Redis,
  dlqStream: string,
  fields: Readonly<Record<string, string>>,
): Promise<string> {
  return String(await command.call('XADD', dlqStream, '*', ...flattenFields(fields)));
}

export async function countDeadLetters(command: Redis, dlqStream: string): Promise<number> {
  return Number(await command.call('XLEN', dlqStream));
}

/** The oldest `limit` dead letters after `after` (exclusive; `-` for the start), nothing removed. */
export async function readDeadLetters(
  command: Redis,
  dlqStream: string,
  limit: number,
  after = '-',
): Promise<StoredDeadLetter[]> {
  const start = after === '-' ? '-' : `(${after}`;
  const reply = (await command.call('XRANGE', dlqStream, start, '+', 'COUNT', String(limit))) as unknown[];
  return reply.map((item) => {
    const [id, flat] = item as [unknown, unknown];
    return { id: String(id), fields: fieldsOf(flat) ?? {} };
  });
}

/**
 * Moves up to `limit` dead letters of `group` (oldest first) to `replayStream`, which only that
 * group reads, with their original fields (the `dlq_*` ones dropped). Each move is one `MULTI`:
 * the entry is added to the replay stream and deleted from the DLQ together. Returns how many moved.
 */
export async function replayDeadLetters(
  command: Redis,
  dlqStream: string,
  replayStream: string,
  group: string,
  groupField: string,
  limit: number,
): Promise<number> {
  let moved = 0;
  let after = '-';
  while (moved < limit) {
    const page = await readDeadLetters(command, dlqStream, 100, after);
    if (page.length === 0) break;
    for (const letter of page) {
      after = letter.id;
      if (moved >= limit) break;
      if (letter.fields[groupField] !== group) continue;
      const original = Object.fromEntries(
        Object.entries(letter.fields).filter(([name]) => !name.startsWith('dlq_')),
      );
      const results = await command
        .multi()
        .call('XADD', replayStream, '*', ...flattenFields(original))
        .call('XDEL', dlqStream, letter.id)
        .exec();
      const failure = results?.find(([error]) => error !== null)?.[0];
      if (failure) throw failure;
      moved += 1;
    }
  }
  return moved;
}
