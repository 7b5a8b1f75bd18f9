import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ClosedError,
  configureLogging,
  DeclarativeProjection,
  HandlerDispatchError,
  InMemoryEventBus,
  InvalidArgumentError,
  ProjectionBase,
  type DomainEvent,
  type Logger,
} from '../src/index.ts';
import { getOpenTelemetryApi } from '../src/observability/index.ts';
import {
  captureTelemetry,
  isChildOf,
  linksTo,
  runProjection,
  TaskCompleted,
  TaskCreated,
  type TelemetryCapture,
} from './support.ts';

class OrderProjection {
  readonly seen: string[] = [];
  handle(event: DomainEvent): void {
    this.seen.push(event.eventType);
  }
}

class TaskBoard extends DeclarativeProjection {
  readonly titles = new Map<string, string>();
  readonly done = new Set<string>();
  constructor(enableTracing = false) {
    super({ enableTracing });
    this.on(TaskCreated, async (event) => void this.titles.set(event.aggregateId, event.data.title));
    this.on('TaskCompleted', (event) => void this.done.add(event.aggregateId));
  }
}

describe('InMemoryEventBus', () => {
  let telemetry: TelemetryCapture;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());
  beforeEach(() => telemetry.reset());

  it('dispatches to every handler with the seed span shape', async () => {
    const bus = new InMemoryEventBus();
    const projection = new OrderProjection();
    const notifications: string[] = [];
    bus.subscribe(TaskCreated, projection);
    bus.subscribe('TaskCreated', async function NotificationService(event) {
      notifications.push(event.aggregateId);
    });
    const all: string[] = [];
    const unsubscribeAll = bus.subscribeAll((event) => void all.push(event.eventType));
    await bus.publish([TaskCreated.create({ title: 'x' }, { aggregateId: 'task-1' })]);
    expect(projection.seen).toEqual(['TaskCreated']);
    expect(notifications).toEqual(['task-1']);
    expect(all).toEqual(['TaskCreated']);
    const dispatch = telemetry.span('eventsource.event_bus.dispatch');
    expect(dispatch.attributes).toMatchObject({
      'eventsource.handler.count': 3,
      'eventsource.event.type': 'TaskCreated',
      'eventsource.aggregate.id': 'task-1',
    });
    const handles = telemetry.spansNamed('eventsource.event_bus.handle');
    expect(handles.map((span) => span.attributes['eventsource.handler.name'])).toEqual([
      'OrderProjection',
      'NotificationService',
      'anonymous',
    ]);
    expect(
      handles.every(
        (span) => isChildOf(span, dispatch) && span.attributes['eventsource.handler.success'] === true,
      ),
    ).toBe(true);
    unsubscribeAll();
    expect(bus.unsubscribe('TaskCreated', projection)).toBe(true);
    expect(bus.unsubscribe('TaskCreated', projection)).toBe(false);
  });

  it('runs every handler even when one fails, then reports all failures', async () => {
    const bus = new InMemoryEventBus();
    const ran: string[] = [];
    bus.subscribe(TaskCreated, { name: 'Broken', handle: () => Promise.reject(new TypeError('nope')) });
    bus.subscribe(TaskCreated, () => void ran.push('second'));
    const error = await bus
      .publish([TaskCreated.create({ title: 'x' }, { aggregateId: 't' })])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HandlerDispatchError);
    expect((error as HandlerDispatchError).failures.map((failure) => failure.handlerName)).toEqual([
      'Broken',
    ]);
    expect(ran).toEqual(['second']);
    const failed = telemetry
      .spansNamed('eventsource.event_bus.handle')
      .find((span) => span.attributes['eventsource.handler.name'] === 'Broken')!;
    expect(failed.attributes['eventsource.handler.success']).toBe(false);
    expect(failed.status.code).toBe(2);
    expect(telemetry.span('eventsource.event_bus.dispatch').status.code).toBe(2);
  });

  it('treats a handler that throws synchronously like one that rejects, and runs the rest', async () => {
    const bus = new InMemoryEventBus({ enableTracing: false });
    const ran: string[] = [];
    bus.subscribe(TaskCreated, () => void ran.push('sync'));
    bus.subscribe(TaskCreated, function Thrower(): void {
      throw new RangeError('sync failure');
    });
    bus.subscribe(TaskCreated, async () => {
      await Promise.resolve();
      ran.push('async');
    });
    bus.subscribe(TaskCreated, {
      name: 'Rejecter',
      handle: () => Promise.reject(new TypeError('async failure')),
    });
    const error = await bus
      .publish([TaskCreated.create({ title: 'x' }, { aggregateId: 't' })])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HandlerDispatchError);
    expect(
      (error as HandlerDispatchError).failures.map(({ handlerName, error: cause }) => [
        handlerName,
        (cause as Error).message,
      ]),
    ).toEqual([
      ['Thrower', 'sync failure'],
      ['Rejecter', 'async failure'],
    ]);
    expect(ran).toEqual(['sync', 'async']);
  });

  it('refuses to publish once closed', async () => {
    const bus = new InMemoryEventBus();
    await bus.close();
    await expect(bus.publish([])).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('projections', () => {
  let telemetry: TelemetryCapture;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());
  beforeEach(() => telemetry.reset());

  it('route events to declared handlers and ignore the rest', async () => {
    const board = await runProjection(new TaskBoard(), [
      [TaskCreated, { title: 'a' }, 't1'],
      [TaskCompleted, {}, 't1'],
      [TaskCreated, { title: 'b' }, 't2'],
    ]);
    await board.handle({
      ...TaskCreated.create({ title: 'z' }, { aggregateId: 't9' }),
      eventType: 'Unrelated',
    });
    expect([...board.titles]).toEqual([
      ['t1', 'a'],
      ['t2', 'b'],
    ]);
    expect([...board.done]).toEqual(['t1']);
    expect(board.eventTypes).toEqual(['TaskCreated', 'TaskCompleted']);
    expect(board.name).toBe('TaskBoard');
  });

  it('are not traced by default', async () => {
    await runProjection(new TaskBoard(), [[TaskCreated, { title: 'a' }]]);
    expect(telemetry.spans()).toHaveLength(0);
  });

  it('trace handle and handler when enabled, linking to the trace that stored the event', async () => {
    const api = getOpenTelemetryApi()!;
    const origin = api.trace.getTracer('test').startSpan('origin');
    const context = origin.spanContext();
    origin.end();
    const event = {
      ...TaskCreated.create({ title: 'traced' }, { aggregateId: 't1' }),
      metadata: { traceparent: `00-${context.traceId}-${context.spanId}-01` },
    };
    await new TaskBoard(true).handle(event);
    const handle = telemetry.span('eventsource.projection.handle');
    expect(handle.attributes).toMatchObject({
      'eventsource.projection.name': 'TaskBoard',
      'eventsource.event.type': 'TaskCreated',
    });
    expect(linksTo(handle, telemetry.span('origin'))).toBe(true);
    const handler = telemetry.span('eventsource.projection.handler');
    expect(isChildOf(handler, handle)).toBe(true);
    expect(handler.attributes['eventsource.handler.name']).toBeDefined();
  });

  it('refuse two handlers for one event type', () => {
    class Twice extends DeclarativeProjection {
      constructor() {
        super();
        this.on(TaskCreated, () => undefined);
        this.on(TaskCreated, () => undefined);
      }
    }
    expect(() => new Twice()).toThrow(InvalidArgumentError);
  });

  it('have a base class for hand-written projections', async () => {
    class Counter extends ProjectionBase {
      count = 0;
      protected async process(): Promise<void> {
        this.count += 1;
      }
    }
    const counter = await runProjection(new Counter(), [[TaskCreated, { title: 'a' }]]);
    expect(counter.count).toBe(1);
    expect(counter.eventTypes).toBeUndefined();
    await expect(counter.reset()).resolves.toBeUndefined();
  });
});

describe('failure logging', () => {
  it('logs a failing handler under the bus logger and a failing projection under eventsource.projections', async () => {
    const records: { level: string; fields: Record<string, unknown> }[] = [];
    const capture = (bindings: Record<string, unknown>): Logger => {
      const write = (level: string) => (fields: unknown) =>
        void records.push({ level, fields: { ...bindings, ...(fields as object) } });
      return {
        debug: write('debug'),
        info: write('info'),
        warn: write('warn'),
        error: write('error'),
        child: (more) => capture({ ...bindings, ...more }),
      };
    };
    configureLogging(capture({}));
    try {
      const bus = new InMemoryEventBus();
      bus.subscribe(TaskCreated, { name: 'Broken', handle: () => Promise.reject(new TypeError('nope')) });
      await expect(
        bus.publish([TaskCreated.create({ title: 'x' }, { aggregateId: 't' })]),
      ).rejects.toBeInstanceOf(HandlerDispatchError);
      class Failing extends ProjectionBase {
        protected async process(): Promise<void> {
          throw new RangeError('bad state');
        }
      }
      await expect(
        new Failing().handle(TaskCreated.create({ title: 'y' }, { aggregateId: 't' })),
      ).rejects.toBeInstanceOf(RangeError);
    } finally {
      configureLogging({
        debug() {},
        info() {},
        warn() {},
        error() {},
        child() {
          return this;
        },
      });
    }
    expect(records).toEqual([
      {
        level: 'warn',
        fields: expect.objectContaining({
          logger: 'eventsource.bus.memory',
          handler: 'Broken',
          event_type: 'TaskCreated',
          error: 'TypeError',
        }),
      },
      {
        level: 'error',
        fields: expect.objectContaining({
          logger: 'eventsource.projections',
          projection: 'Failing',
          error: 'RangeError',
        }),
      },
    ]);
  });
});
