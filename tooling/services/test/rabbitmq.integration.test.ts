import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { serviceAddresses } from '../src/addresses.ts';
import { uniqueName } from './unique-name.ts';

describe('RabbitMQ through amqplib', () => {
  let connection: ChannelModel;
  let channel: ConfirmChannel;
  const exchange = uniqueName('smoke-exchange');
  const queue = uniqueName('smoke-queue');

  beforeAll(async () => {
    connection = await amqplib.connect(serviceAddresses().rabbitmqUrl);
    channel = await connection.createConfirmChannel();
  });

  afterAll(async () => {
    await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
    await channel.close();
    await connection.close();
  });

  it('delivers a published message, headers included, to a consumer', async () => {
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await channel.assertQueue(queue, { durable: false, exclusive: true });
    await channel.bindQueue(queue, exchange, 'orders.#');

    const received = new Promise<ConsumeMessage>((resolve) => {
      void channel.consume(queue, (message) => {
        if (message !== null) {
          channel.ack(message);
          resolve(message);
        }
      });
    });
    channel.publish(exchange, 'orders.placed', Buffer.from('{"orderId":"o-1"}'), {
      messageId: 'message-1',
      contentType: 'application/json',
      headers: { 'event-type': 'OrderPlaced', 'stream-version': 3 },
    });
    await channel.waitForConfirms();

    const message = await received;
    expect(message.content.toString()).toBe('{"orderId":"o-1"}');
    expect(message.fields.routingKey).toBe('orders.placed');
    expect(message.properties.messageId).toBe('message-1');
    expect(message.properties.headers).toEqual({ 'event-type': 'OrderPlaced', 'stream-version': 3 });
  });
});
