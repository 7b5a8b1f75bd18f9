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
export const ATTR_EXPECTED_VERSION = 'eventsource.expected_version';
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
