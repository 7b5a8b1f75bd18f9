import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { configureLogging, consoleLogger, getLogger, LoggerNames, type Logger } from '../src/index.ts';
import * as observability from '../src/observability/index.ts';
import {
  ComponentTracer,
  consumerSpanRelation,
  extractTraceHeaders,
  formatTraceparent,
  getTracer,
  injectTraceHeaders,
  lazyInstruments,
  linksToEvents,
  OTEL_AVAILABLE,
  parseTraceparent,
  setAttributes,
  SpanKinds,
  traced,
  TracingMixin,
} from '../src/observability/index.ts';
import { captureTelemetry, isChildOf, TaskCreated, type TelemetryCapture } from './support.ts';

class NotificationService extends TracingMixin {
  readonly sent: string[] = [];
  constructor(enableTracing = true) {
    super();
    this.initTracing('notification-service', enableTracing);
  }

  @traced('notification_service.send_email', { attributes: { channel: 'email' } })
  async sendEmail(recipient: string): Promise<void> {
    this.sent.push(recipient);
  }

  @traced('notification_service.count', { kind: SpanKinds.client })
  count(): number {
    return this.sent.length;
  }

  placeOrder(customerId: string): string {
    return this.createSpanContext('order_service.place_order', { 'customer.id': customerId }, (span) => {
      span?.setAttribute(observability.ATTR_AGGREGATE_ID, 'order-1');
      return 'order-1';
    });
  }
}

class Forgetful extends TracingMixin {
  @traced('forgetful.work')
  work(): void {}
}

class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describe('observability', () => {
  let telemetry: TelemetryCapture;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());
  beforeEach(() => telemetry.reset());

  it('exports every attribute constant with the seed value', () => {
    expect({
      ATTR_AGGREGATE_ID: observability.ATTR_AGGREGATE_ID,
      ATTR_AGGREGATE_TYPE: observability.ATTR_AGGREGATE_TYPE,
      ATTR_EVENT_ID: observability.ATTR_EVENT_ID,
      ATTR_EVENT_TYPE: observability.ATTR_EVENT_TYPE,
      ATTR_EVENT_COUNT: observability.ATTR_EVENT_COUNT,
      ATTR_VERSION: observability.ATTR_VERSION,
      ATTR_EXPECTED_VERSION: observability.ATTR_EXPECTED_VERSION,
      ATTR_FROM_VERSION: observability.ATTR_FROM_VERSION,
      ATTR_PROJECTION_NAME: observability.ATTR_PROJECTION_NAME,
      ATTR_HANDLER_NAME: observability.ATTR_HANDLER_NAME,
      ATTR_HANDLER_COUNT: observability.ATTR_HANDLER_COUNT,
      ATTR_HANDLER_SUCCESS: observability.ATTR_HANDLER_SUCCESS,
      ATTR_DB_SYSTEM: observability.ATTR_DB_SYSTEM,
      ATTR_DB_NAME: observability.ATTR_DB_NAME,
      ATTR_DB_OPERATION: observability.ATTR_DB_OPERATION,
      ATTR_MESSAGING_SYSTEM: observability.ATTR_MESSAGING_SYSTEM,
      ATTR_MESSAGING_DESTINATION: observability.ATTR_MESSAGING_DESTINATION,
      ATTR_ERROR_TYPE: observability.ATTR_ERROR_TYPE,
      ATTR_RETRY_COUNT: observability.ATTR_RETRY_COUNT,
      ATTR_TENANT_ID: observability.ATTR_TENANT_ID,
      ATTR_STREAM_ID: observability.ATTR_STREAM_ID,
      ATTR_POSITION: observability.ATTR_POSITION,
      ATTR_FROM_POSITION: observability.ATTR_FROM_POSITION,
      ATTR_TO_POSITION: observability.ATTR_TO_POSITION,
      ATTR_BATCH_SIZE: observability.ATTR_BATCH_SIZE,
      ATTR_SUBSCRIPTION_NAME: observability.ATTR_SUBSCRIPTION_NAME,
    }).toEqual({
      ATTR_AGGREGATE_ID: 'eventsource.aggregate.id',
      ATTR_AGGREGATE_TYPE: 'eventsource.aggregate.type',
      ATTR_EVENT_ID: 'eventsource.event.id',
      ATTR_EVENT_TYPE: 'eventsource.event.type',
      ATTR_EVENT_COUNT: 'eventsource.event.count',
      ATTR_VERSION: 'eventsource.version',
      ATTR_EXPECTED_VERSION: 'eventsource.expected_version',
      ATTR_FROM_VERSION: 'eventsource.from_version',
      ATTR_PROJECTION_NAME: 'eventsource.projection.name',
      ATTR_HANDLER_NAME: 'eventsource.handler.name',
      ATTR_HANDLER_COUNT: 'eventsource.handler.count',
      ATTR_HANDLER_SUCCESS: 'eventsource.handler.success',
      ATTR_DB_SYSTEM: 'db.system',
      ATTR_DB_NAME: 'db.name',
      ATTR_DB_OPERATION: 'db.operation',
      ATTR_MESSAGING_SYSTEM: 'messaging.system',
      ATTR_MESSAGING_DESTINATION: 'messaging.destination',
      ATTR_ERROR_TYPE: 'eventsource.error.type',
      ATTR_RETRY_COUNT: 'eventsource.retry.count',
      ATTR_TENANT_ID: 'eventsource.tenant.id',
      ATTR_STREAM_ID: 'eventsource.stream.id',
      ATTR_POSITION: 'eventsource.position',
      ATTR_FROM_POSITION: 'eventsource.from_position',
      ATTR_TO_POSITION: 'eventsource.to_position',
      ATTR_BATCH_SIZE: 'eventsource.batch.size',
      ATTR_SUBSCRIPTION_NAME: 'eventsource.subscription.name',
    });
    expect(OTEL_AVAILABLE).toBe(true);
    expect(getTracer('x')).toBeDefined();
  });

  it('traces custom components with TracingMixin and @traced', async () => {
    const service = new NotificationService();
    expect(service.tracingEnabled).toBe(true);
    await service.sendEmail('ada@example.com');
    expect(service.count()).toBe(1);
    expect(service.placeOrder('c-1')).toBe('order-1');
    expect(telemetry.span('notification_service.send_email').attributes).toEqual({ channel: 'email' });
    expect(telemetry.span('notification_service.count').kind).toBe(2);
    expect(telemetry.span('order_service.place_order').attributes).toEqual({
      'customer.id': 'c-1',
      'eventsource.aggregate.id': 'order-1',
    });
    expect(telemetry.span('order_service.place_order').instrumentationScope.name).toBe(
      'notification-service',
    );
    const quiet = new NotificationService(false);
    expect(quiet.tracingEnabled).toBe(false);
    await quiet.sendEmail('x');
    expect(quiet.placeOrder('c-2')).toBe('order-1');
    expect(telemetry.spans()).toHaveLength(3);
    expect(() => new Forgetful().work()).toThrow(/call this.initTracing/);
    expect(new Forgetful().tracingEnabled).toBe(false);
  });

  it('records errors on spans, sync and async, and nests spans', async () => {
    const tracer = new ComponentTracer<string>('scope-under-test', true);
    expect(() =>
      tracer.run('sync.failure', {}, () => {
        throw new TypeError('sync');
      }),
    ).toThrow('sync');
    await expect(tracer.run('async.failure', {}, async () => Promise.reject('text error'))).rejects.toBe(
      'text error',
    );
    const value = tracer.run('outer', { attributes: { skipped: undefined, kept: 1 } }, (outer) => {
      setAttributes(outer, { later: 'yes', none: undefined });
      return tracer.run('inner', {}, () => 42);
    });
    expect(value).toBe(42);
    const sync = telemetry.span('sync.failure');
    expect(sync.status).toEqual({ code: 2, message: 'sync' });
    expect(sync.attributes).toMatchObject({
      'error.type': 'TypeError',
      'eventsource.error.type': 'TypeError',
    });
    expect(telemetry.span('async.failure').attributes['error.type']).toBe('string');
    expect(telemetry.span('outer').attributes).toEqual({ kept: 1, later: 'yes' });
    expect(isChildOf(telemetry.span('inner'), telemetry.span('outer'))).toBe(true);
    expect(telemetry.span('outer').status.code).toBe(0);
  });

  it('formats and parses W3C traceparent, refusing malformed values', () => {
    const context = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    };
    expect(formatTraceparent(context)).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(parseTraceparent(formatTraceparent(context), 'vendor=1')).toMatchObject({
      ...context,
      isRemote: true,
    });
    expect(parseTraceparent(formatTraceparent(context), 'vendor=1')?.traceState?.serialize()).toBe(
      'vendor=1',
    );
    for (const bad of [
      undefined,
      42,
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
    const events = [0, 1, 2].map((index) => ({
      ...TaskCreated.create({ title: 't' }, { aggregateId: `a${index}` }),
      metadata: index === 2 ? {} : { traceparent: formatTraceparent(context) },
    }));
    expect(linksToEvents(events)).toHaveLength(1);
    expect(linksToEvents(events, 0)).toHaveLength(1);
  });

  it('injects and extracts trace headers, Buffers included, with or without a registered propagator', () => {
    const tracer = api.trace.getTracer('propagation');
    const span = tracer.startSpan('producer');
    const context = api.trace.setSpan(api.context.active(), span);
    const headers: Record<string, string> = {};
    injectTraceHeaders(headers, context);
    expect(headers.traceparent).toBe(formatTraceparent(span.spanContext()));
    const extracted = extractTraceHeaders({
      traceparent: Buffer.from(headers.traceparent!),
      other: [Buffer.from('x')],
      nothing: null,
    });
    expect(api.trace.getSpanContext(extracted!)?.spanId).toBe(span.spanContext().spanId);
    expect(extractTraceHeaders({})).toBeUndefined();
    const asParent = consumerSpanRelation(extracted, 'parent');
    expect(asParent.parent).toBe(extracted);
    expect(asParent.links[0]?.context.spanId).toBe(span.spanContext().spanId);
    expect(api.trace.getSpanContext(consumerSpanRelation(extracted, 'link').parent!)).toBeUndefined();
    expect(consumerSpanRelation(undefined, 'parent')).toEqual({ links: [] });
    api.propagation.disable();
    const fallback: Record<string, string> = {};
    injectTraceHeaders(fallback, context);
    expect(fallback.traceparent).toBe(headers.traceparent);
    expect(
      api.trace.getSpanContext(extractTraceHeaders({ traceparent: fallback.traceparent, tracestate: 'a=b' })!)
        ?.spanId,
    ).toBe(span.spanContext().spanId);
    span.end();
  });

  it('creates instruments lazily, per meter provider, and not at all when disabled', async () => {
    let created = 0;
    const instruments = lazyInstruments('lazy-scope', (meter) => {
      created += 1;
      return { counter: meter.createCounter('lazy.counter') };
    });
    instruments()?.counter.add(1);
    instruments()?.counter.add(2);
    expect(created).toBe(1);
    const reader = new PullReader();
    const injected = lazyInstruments('lazy-scope', (meter) => meter.createCounter('injected.counter'), {
      meterProvider: new MeterProvider({ readers: [reader] }),
    });
    injected()?.add(5);
    const { resourceMetrics } = await reader.collect();
    expect(resourceMetrics.scopeMetrics[0]!.metrics[0]!.dataPoints[0]!.value).toBe(5);
    expect(lazyInstruments('off', () => 1, { enableMetrics: false })()).toBeUndefined();
    const metric = await telemetry.metric('lazy.counter');
    expect(metric?.dataPoints[0]?.value).toBe(3);
  });

  it('logs through the configured logger with trace ids on records', () => {
    const records: { level: string; fields: Record<string, unknown>; message?: string }[] = [];
    const capture = (bindings: Record<string, unknown>): Logger => ({
      debug: (fields, message) =>
        void records.push({ level: 'debug', fields: { ...bindings, ...(fields as object) }, message }),
      info: (fields, message) =>
        void records.push({ level: 'info', fields: { ...bindings, ...(fields as object) }, message }),
      warn: (fields, message) =>
        void records.push({ level: 'warn', fields: { ...bindings, ...(fields as object) }, message }),
      error: (fields, message) =>
        void records.push({ level: 'error', fields: { ...bindings, ...(fields as object) }, message }),
      child: (more) => capture({ ...bindings, ...more }),
    });
    const logger = getLogger(LoggerNames.storesSqlite);
    logger.info('before configuration');
    configureLogging(capture({}));
    logger.info({ aggregate_id: 'a1' }, 'outside a span');
    api.trace.getTracer('log').startActiveSpan('logged', (span) => {
      logger.child({ component: 'x' }).warn('inside a span');
      span.end();
    });
    configureLogging(capture({}), { levels: { eventsource: 'info', 'eventsource.stores': 'error' } });
    getLogger(LoggerNames.storesPostgresql).warn('filtered by the prefix level');
    getLogger(LoggerNames.busMemory).debug('filtered by the root level');
    expect(records).toHaveLength(2);
    configureLogging(consoleLogger({ level: 'warn' }));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    getLogger(LoggerNames.busKafka)
      .child({ partition: 1 })
      .warn({ detail: { a: 1 } }, 'lagging');
    getLogger(LoggerNames.busKafka).info('hidden below the level');
    consoleLogger({ level: 'debug' }).debug('debug line');
    expect(warn).toHaveBeenCalledWith('WARN eventsource.bus.kafka lagging partition=1 detail={"a":1}');
    expect(info).not.toHaveBeenCalled();
    warn.mockRestore();
    info.mockRestore();
    configureLogging({
      debug() {},
      info() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    });
    expect(records[0]).toEqual({
      level: 'info',
      fields: { logger: 'eventsource.stores.sqlite', aggregate_id: 'a1' },
      message: 'outside a span',
    });
    const spanContext = telemetry.span('logged').spanContext();
    expect(records[1]!.fields).toMatchObject({
      logger: 'eventsource.stores.sqlite',
      component: 'x',
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
    });
  });
});
