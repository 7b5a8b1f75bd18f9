import {
  ATTR_EVENT_TYPE,
  ATTR_HANDLER_NAME,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  SemanticAttributes,
} from '../observability/attributes.ts';

/** The `<prefix>.eventbus.*` catalogue of TELEMETRY.md (the names are the seed's, with its prefix per broker). */
export function busMetricNames(prefix: string) {
  const name = (suffix: string) => `${prefix}.eventbus.${suffix}`;
  return {
    messagesPublished: name('messages.published'),
    messagesConsumed: name('messages.consumed'),
    handlerInvocations: name('handler.invocations'),
    handlerErrors: name('handler.errors'),
    messagesDlq: name('messages.dlq'),
    connectionErrors: name('connection.errors'),
    reconnections: name('reconnections'),
    rebalances: name('rebalances'),
    publishErrors: name('publish.errors'),
    publishDuration: name('publish.duration'),
    consumeDuration: name('consume.duration'),
    handlerDuration: name('handler.duration'),
    batchSize: name('batch.size'),
    connectionsActive: name('connections.active'),
    consumerLag: name('consumer.lag'),
    dlqSize: name('dlq.size'),
  } as const;
}
export type BusMetricNames = ReturnType<typeof busMetricNames>;

/** Attribute keys on the bus metrics. */
export const BusMetricAttributes = {
  messagingSystem: ATTR_MESSAGING_SYSTEM,
  messagingDestination: ATTR_MESSAGING_DESTINATION,
  eventType: ATTR_EVENT_TYPE,
  partition: 'messaging.destination.partition.id',
  consumerGroup: SemanticAttributes.messagingConsumerGroupName,
  handlerName: ATTR_HANDLER_NAME,
  errorType: SemanticAttributes.errorType,
  dlqReason: 'eventsource.dlq.reason',
} as const;
