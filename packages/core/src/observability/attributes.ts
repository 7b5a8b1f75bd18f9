import type { ExpectedVersion } from '../ports/event-store.ts';

/**
 * Span attribute keys. The `eventsource.*` values and the older `db.*` / `messaging.*` keys are the
 * names Tutorial 20 documents; components also emit the current semantic-convention keys below.
 */
export const ATTR_AGGREGATE_ID = 'eventsource.aggregate.id';
export const ATTR_AGGREGATE_TYPE = 'eventsource.aggregate.type';
export const ATTR_EVENT_ID = 'eventsource.event.id';
export const ATTR_EVENT_TYPE = 'eventsource.event.type';
export const ATTR_EVENT_COUNT = 'eventsource.event.count';
export const ATTR_VERSION = 'eventsource.version';
/** Always an integer: the stream version an append expects (`'no_stream'` is 0). */
export const ATTR_EXPECTED_VERSION = 'eventsource.expected_version';
/** `any`, `no_stream` or `stream_exists` when the append names its expectation instead of a number. */
export const ATTR_EXPECTED_VERSION_NAME = 'eventsource.expected_version_name';
/** On a `loadOrCreate` load span: true when no stream existed and a new aggregate was created. */
export const ATTR_AGGREGATE_CREATED = 'eventsource.aggregate.created';
/** The library error's `code` (e.g. `CONCURRENCY_CONFLICT`) on a failed span; `error.type` has the class name. */
export const ATTR_ERROR_CODE = 'eventsource.error.code';
export const ATTR_FROM_VERSION = 'eventsource.from_version';
export const ATTR_PROJECTION_NAME = 'eventsource.projection.name';
export const ATTR_HANDLER_NAME = 'eventsource.handler.name';
export const ATTR_HANDLER_COUNT = 'eventsource.handler.count';
export const ATTR_HANDLER_SUCCESS = 'eventsource.handler.success';
export const ATTR_DB_SYSTEM = 'db.system';
export const ATTR_DB_NAME = 'db.name';
export const ATTR_DB_OPERATION = 'db.operation';
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_DESTINATION = 'messaging.destination';
export const ATTR_ERROR_TYPE = 'eventsource.error.type';
export const ATTR_RETRY_COUNT = 'eventsource.retry.count';
export const ATTR_TENANT_ID = 'eventsource.tenant.id';
export const ATTR_STREAM_ID = 'eventsource.stream.id';
export const ATTR_POSITION = 'eventsource.position';
export const ATTR_FROM_POSITION = 'eventsource.from_position';
export const ATTR_TO_POSITION = 'eventsource.to_position';
export const ATTR_BATCH_SIZE = 'eventsource.batch.size';
export const ATTR_SUBSCRIPTION_NAME = 'eventsource.subscription.name';

/** Current OpenTelemetry semantic-convention keys emitted beside the names above. */
export const SemanticAttributes = {
  dbSystemName: 'db.system.name',
  dbNamespace: 'db.namespace',
  dbCollectionName: 'db.collection.name',
  dbOperationName: 'db.operation.name',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  messagingSystemName: 'messaging.system.name',
  messagingDestinationName: 'messaging.destination.name',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingConsumerGroupName: 'messaging.consumer.group.name',
  messagingMessageId: 'messaging.message.id',
  messagingBatchMessageCount: 'messaging.batch.message_count',
  errorType: 'error.type',
} as const;

export type AttributeValue =
  string | number | boolean | readonly string[] | readonly number[] | readonly boolean[];
export type Attributes = Readonly<Record<string, AttributeValue | undefined>>;

/**
 * The expected-version attributes of an append. `eventsource.expected_version` has one type, an
 * integer, so a trace backend can compare it; a named expectation is in
 * `eventsource.expected_version_name`, and `no_stream` also sets the version to 0.
 */
export function expectedVersionAttributes(expected: ExpectedVersion): Attributes {
  if (typeof expected === 'number') return { [ATTR_EXPECTED_VERSION]: expected };
  return expected === 'no_stream'
    ? { [ATTR_EXPECTED_VERSION]: 0, [ATTR_EXPECTED_VERSION_NAME]: expected }
    : { [ATTR_EXPECTED_VERSION_NAME]: expected };
}
