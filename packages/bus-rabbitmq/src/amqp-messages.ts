import type { Message, MessageProperties, Options } from 'amqplib';
import { BusHeaders, headerText, type DeadLetter, type OutgoingMessage } from '@eventsource/core/kit';
import type { AmqpMessage } from './confirm-publisher.ts';
import { routingKeyOf } from './topology.ts';

/** Header every message of this bus carries beside the kit's: the aggregate id (the seed wrote it too). */
export const AGGREGATE_ID_HEADER = 'aggregate_id';
/** Header of a dead letter: the routing key the event was originally published with. */
export const ORIGINAL_ROUTING_KEY_HEADER = 'dlq_original_routing_key';

/**
 * An event as this bus puts it on the wire: persistent, JSON, `messageId` the event id, `type`
 * the event type, `timestamp` when it occurred (seconds), routed by `<aggregateType>.<eventType>`.
 */
export function eventMessage({ event, value, headers }: OutgoingMessage): AmqpMessage {
  return {
    routingKey: routingKeyOf(event),
    content: Buffer.from(value, 'utf8'),
    properties: {
      persistent: true,
      contentType: 'application/json',
      messageId: event.eventId,
      timestamp: Math.floor(event.occurredAt.getTime() / 1000),
      type: event.eventType,
      headers: { ...headers, [AGGREGATE_ID_HEADER]: event.aggregateId },
    },
    eventId: event.eventId,
    eventType: event.eventType,
  };
}

/** The properties a copy of a received message keeps (persistent, with `headers` in place of the original's). */
export function copiedProperties(
  properties: MessageProperties,
  headers: Record<string, unknown>,
): Options.Publish {
  return {
    persistent: true,
    headers,
    ...(properties.contentType === undefined ? {} : { contentType: properties.contentType as string }),
    ...(properties.messageId === undefined ? {} : { messageId: properties.messageId as string }),
    ...(properties.timestamp === undefined ? {} : { timestamp: properties.timestamp as number }),
    ...(properties.type === undefined ? {} : { type: properties.type as string }),
  };
}

/**
 * The copy of a failed message for the group's dead-letter exchange: routed by the group queue's
 * name, its headers plus the `dlq_*` ones and the original routing key.
 */
export function deadLetterMessage(letter: DeadLetter<Message>, queueName: string): AmqpMessage {
  const { message } = letter;
  const { properties } = message;
  return {
    routingKey: queueName,
    content: message.content,
    properties: copiedProperties(properties, {
      ...properties.headers,
      ...letter.headers,
      [ORIGINAL_ROUTING_KEY_HEADER]: message.fields.routingKey,
    }),
    eventId: headerText(properties.headers, BusHeaders.eventId) ?? String(properties.messageId ?? 'unknown'),
    eventType: headerText(properties.headers, BusHeaders.eventType) ?? 'unknown',
  };
}
