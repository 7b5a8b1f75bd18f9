import { describe, expect, it } from '@jest/globals';
import { createEvent, InvalidArgumentError, UnavailableError } from '@eventsource/core';
import { isConnectionError, KafkaHeaders, translateKafkaError } from '../src/index.ts';
import { eventHeaders, headerText } from '@eventsource/core/kit';

function kafkaError(name: string, extra: Record<string, unknown> = {}, cause?: Error): Error {
  const error = new Error(`${name} happened`, cause === undefined ? undefined : { cause });
  error.name = name;
  return Object.assign(error, extra);
}

describe('translateKafkaError', () => {
  it('turns connection failures into UnavailableError, keeping the driver error as cause', () => {
    const driver = kafkaError('KafkaJSConnectionError');
    const translated = translateKafkaError(driver, 'publish to t');
    expect(translated).toBeInstanceOf(UnavailableError);
    expect(translated.message).toContain('KafkaJSConnectionError');
    expect(translated.cause).toBe(driver);
  });

  it('turns rejected requests into InvalidArgumentError', () => {
    const driver = kafkaError('KafkaJSProtocolError', { type: 'MESSAGE_TOO_LARGE' });
    const translated = translateKafkaError(driver, 'publish to t');
    expect(translated).toBeInstanceOf(InvalidArgumentError);
    expect(translated.cause).toBe(driver);
  });

  it('passes library errors through', () => {
    const error = new InvalidArgumentError('bad');
    expect(translateKafkaError(error, 'x')).toBe(error);
  });

  it('recognises connection errors wrapped by retries', () => {
    expect(isConnectionError(kafkaError('KafkaJSNumberOfRetriesExceeded'))).toBe(true);
    expect(isConnectionError(kafkaError('Wrapper', {}, kafkaError('KafkaJSRequestTimeoutError')))).toBe(true);
    expect(isConnectionError(kafkaError('KafkaJSProtocolError'))).toBe(false);
    expect(isConnectionError('text')).toBe(false);
  });
});

describe('Kafka headers', () => {
  it('describe the event without its payload', () => {
    const event = createEvent({
      eventType: 'OrderCreated',
      aggregateType: 'Order',
      aggregateId: 'o-1',
      tenantId: 't-1',
      data: { secret: 'x' },
    });
    const headers = eventHeaders(event);
    expect(headers).toEqual({
      [KafkaHeaders.eventType]: 'OrderCreated',
      [KafkaHeaders.eventId]: event.eventId,
      [KafkaHeaders.aggregateType]: 'Order',
      [KafkaHeaders.tenantId]: 't-1',
    });
    expect(JSON.stringify(headers)).not.toContain('secret');
  });

  it('read as text whether kafkajs hands over Buffers, strings or arrays', () => {
    const headers = { a: Buffer.from('one'), b: 'two', c: [Buffer.from('three'), 'four'], d: [] as string[] };
    expect(headerText(headers, 'a')).toBe('one');
    expect(headerText(headers, 'b')).toBe('two');
    expect(headerText(headers, 'c')).toBe('three');
    expect(headerText(headers, 'd')).toBeUndefined();
    expect(headerText(headers, 'missing')).toBeUndefined();
    expect(headerText(undefined, 'a')).toBeUndefined();
  });
});
