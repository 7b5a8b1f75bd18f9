import type { Message, MessageProperties, Options } from 'amqplib';
import {
  BusHeaders,
  headerText,
  type DeadLetter,
  type MessageHeaders,
  type OutgoingMessage,
} from '@eventsource/core/kit';
import type { AmqpMessage } from './confirm-publisher.ts';
import { routingKeyOf } from './topology.ts';

/** Header every message of this bus carries beside the kit's: the aggregate id (the seed wrote it too). */
export const AGGREGATE_ID_HEADER = 'aggregate_id';
/**
 * Header AMQP carries as an integer, not text: eventsource-py's RabbitMQ bus writes the aggregate
 * version so (`adapters/rabbitmq/serialization.py`), and its `'eventsource-py'` wire format sets it.
 */
const INTEGER_HEADER = 'aggregate_version';
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
      headers: amqpHeaders(headers, event.aggregateId),
    },
    eventId: event.eventId,
    eventType: event.eventType,
  };
}

function amqpHeaders(headers: Record<string, string>, aggregateId: string): Record<string, unknown> {
  const typed: Record<string, unknown> = { ...headers, [AGGREGATE_ID_HEADER]: aggregateId };
  const version = headers[INTEGER_HEADER];
  if (version !== undefined && /^\d+$/.test(version)) typed[INTEGER_HEADER] = Number(version);
  return typed;
}

/**
 * A received message's headers as the pipeline reads them. eventsource-py's RabbitMQ bus carries
 * the event id only as the AMQP `messageId` (no `event_id` header): it stands in for the header.
 */
export function receivedHeaders(message: Message): MessageHeaders | undefined {
  const headers = message.properties.headers as MessageHeaders | undefined;
  const { messageId } = message.properties;
  if (headers?.[BusHeaders.eventId] !== undefined || typeof messageId !== 'string') return headers;
  return { ...headers, [BusHeaders.eventId]: messageId };
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
