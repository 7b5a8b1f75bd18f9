import type { Redis } from 'ioredis';
import type { DeadLetterMessage } from '@eventsource/core';
import { BusHeaders, type DeadLetter } from '@eventsource/core/kit';
import { fieldsOf, flattenFields, type StreamEntry } from './stream-entries.ts';

/** The entry field holding the encoded event (the seed's name); the others are the bus headers. */
export const PAYLOAD_FIELD = 'payload';

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

/**
 * Appends a dead letter: the entry's own fields, the kit's `dlq_*` reason fields, and where it came
 * from. Resolves with its DLQ entry id once Redis accepted it.
 */
export async function addDeadLetter(
  command: Redis,
  dlqStream: string,
  letter: DeadLetter<StreamEntry>,
): Promise<string> {
  const { message } = letter;
  const fields = {
    ...message.fields,
    ...letter.headers,
    [DeadLetterFields.originalStream]: message.stream,
    [DeadLetterFields.originalId]: message.id,
  };
  return String(await command.call('XADD', dlqStream, '*', ...flattenFields(fields)));
}

/** A stored dead letter as the `DeadLetterInspection` port shows it. */
export function deadLetterMessage({ id, fields }: StoredDeadLetter): DeadLetterMessage {
  const { [PAYLOAD_FIELD]: value, ...headers } = fields;
  return { id, key: undefined, value, headers, reason: fields[BusHeaders.dlqReason] };
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
      if (letter.fields[BusHeaders.dlqConsumerGroup] !== group) continue;
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
