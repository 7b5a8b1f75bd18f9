import {
  InvalidArgumentError,
  type DomainEvent,
  type ExpectedVersion,
  type ReadAllOptions,
} from '@eventsource/core';
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

export interface ReadAllArguments {
  readonly pageSize: number;
  /** Events still to return (`Infinity`: all). */
  readonly limit: number;
  readonly fromPosition: number;
  readonly eventTypes: string[] | null;
  readonly aggregateTypes: string[] | null;
}

/** `readAll` options with defaults, checked before any I/O. */
export function readAllArguments(options: ReadAllOptions): ReadAllArguments {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new InvalidArgumentError(`pageSize must be a positive integer, got ${pageSize}`);
  }
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isInteger(limit) || limit < 0)) {
    throw new InvalidArgumentError(`limit must be a non-negative integer, got ${limit}`);
  }
  const fromPosition = options.fromPosition ?? 0;
  if (!Number.isSafeInteger(fromPosition)) {
    throw new InvalidArgumentError(`fromPosition must be an integer, got ${fromPosition}`);
  }
  return {
    pageSize,
    limit,
    fromPosition,
    eventTypes: options.eventTypes === undefined ? null : [...options.eventTypes],
    aggregateTypes: options.aggregateTypes === undefined ? null : [...options.aggregateTypes],
  };
}
