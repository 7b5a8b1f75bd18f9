import type { Channel } from 'amqplib';
import type { DomainEvent } from '@eventsource/core';
import type { ResolvedRabbitMQOptions } from './rabbitmq-event-bus-options.ts';

/**
 * Where each event goes: `${aggregateType}.${eventType}` on the bus's exchange. A topic exchange
 * routes on it, a direct exchange matches it exactly, a fanout exchange ignores it.
 */
export function routingKeyOf(event: DomainEvent): string {
  return `${event.aggregateType}.${event.eventType}`;
}

/** Declares the exchange events are published to (idempotent). */
export async function declareExchange(channel: Channel, options: ResolvedRabbitMQOptions): Promise<void> {
  await channel.assertExchange(options.exchangeName, options.exchangeType, { durable: options.durable });
}

/**
 * Declares the group's dead-letter exchange and queue: a direct exchange of the group's own, bound
 * to `${queue}.dlq` with the group queue's name as key. Nothing else is bound to it, so a dead
 * letter reaches this group's DLQ only.
 */
export async function declareDeadLetterQueue(
  channel: Channel,
  options: ResolvedRabbitMQOptions,
): Promise<{ messageCount: number }> {
  await channel.assertExchange(options.dlqExchangeName, 'direct', { durable: options.durable });
  const dlq = await channel.assertQueue(options.dlqQueueName, {
    durable: options.durable,
    arguments: {
      ...(options.dlqMessageTtlMs === undefined ? {} : { 'x-message-ttl': options.dlqMessageTtlMs }),
      ...(options.dlqMaxLength === undefined ? {} : { 'x-max-length': options.dlqMaxLength }),
    },
  });
  await channel.bindQueue(options.dlqQueueName, options.dlqExchangeName, options.queueName);
  return { messageCount: dlq.messageCount };
}

/**
 * Declares everything a consumer of the group needs: the exchange, the group's durable queue bound
 * with the binding keys, and (with the DLQ on) its dead-letter exchange and queue. Retries never
 * go through the broker (the pipeline holds the message while it backs off), so no retry queue
 * exists and no other group ever sees a retry.
 */
export async function declareConsumerTopology(
  channel: Channel,
  options: ResolvedRabbitMQOptions,
): Promise<void> {
  await declareExchange(channel, options);
  if (options.bus.enableDlq) await declareDeadLetterQueue(channel, options);
  await channel.assertQueue(options.queueName, { durable: options.durable, autoDelete: options.autoDelete });
  for (const key of options.bindingKeys)
    await channel.bindQueue(options.queueName, options.exchangeName, key);
}
