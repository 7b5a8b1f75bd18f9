import { InvalidArgumentError, type DomainEvent, type ExpectedVersion } from '@eventsource/core';
import { envelopeColumns } from './event-rows.ts';

/** Throws `InvalidArgumentError` for anything that is not a valid expected version. */
export function validateExpectedVersion(expected: ExpectedVersion): void {
  if (typeof expected === 'number') {
    if (!Number.isInteger(expected) || expected < 0) {
      throw new InvalidArgumentError(
        `expectedVersion must be a non-negative integer or a named ExpectedVersion, got ${expected}`,
      );
    }
    return;
  }
  if (!['any', 'no_stream', 'stream_exists'].includes(expected)) {
    throw new InvalidArgumentError(`Unknown expectedVersion "${String(expected)}"`);
  }
}

/** The append function's arguments, in order: the stream, the expected version, then the events column-wise. */
export function appendArguments(
  aggregateId: string,
  aggregateType: string,
  expectedVersion: ExpectedVersion,
  events: readonly DomainEvent[],
  outbox: boolean,
  channel: string | null,
  skipStored: boolean,
): unknown[] {
  validateExpectedVersion(expectedVersion);
  const columns = envelopeColumns(events);
  return [
    aggregateId,
    aggregateType,
    String(expectedVersion),
    columns.eventIds,
    columns.eventTypes,
    columns.eventVersions,
    columns.occurredAt,
    columns.correlationIds,
    columns.causationIds,
    columns.tenantIds,
    columns.actorIds,
    columns.metadata,
    columns.data,
    outbox,
    channel,
    skipStored,
  ];
}
