import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import { defineEvent, EventRegistry, type DomainEvent } from '@eventsource/core';
import type { TraceSpan } from '@eventsource/testing/trace-tree';

// What the Kafka, RabbitMQ and Redis interop tests exchange with eventsource-py, and what each side
// must read back.

// The same event types as tooling/interop-python/interop_events.py. Python datetimes travel as ISO strings,
// so `placed_at` is read back as a string (a schema with a date coercion would make it a Date).
interface OrderPlacedData {
  readonly customer: string;
  readonly total: number;
  readonly units: bigint;
  readonly lines: readonly { readonly sku: string; readonly qty: number }[];
  readonly placed_at: string | Date;
  readonly note: string | null;
}
export const OrderPlaced = defineEvent<OrderPlacedData, 'OrderPlaced'>('OrderPlaced', {
  aggregateType: 'Order',
});
export const OrderShipped = defineEvent<{ carrier: string; parcels: number }, 'OrderShipped'>(
  'OrderShipped',
  {
    aggregateType: 'Order',
  },
);

export type PythonEvent = Record<string, unknown> & { event_id: string; occurred_at: string };
export interface PublishResult {
  readonly traceId: string;
  readonly spanId: string;
  readonly events: PythonEvent[];
}
export interface ConsumeResult {
  readonly received: { event: PythonEvent; traceId: string; spanId: string }[];
  readonly timedOut: boolean;
}

export const ORDERS = 5;
export const EVENTS_EACH_WAY = ORDERS * 2;
const ENVELOPE = new Set([
  'event_id',
  'event_type',
  'event_version',
  'occurred_at',
  'aggregate_id',
  'aggregate_type',
  'aggregate_version',
  'tenant_id',
  'actor_id',
  'correlation_id',
  'causation_id',
  'metadata',
]);

/** What our consumer must hand its handlers for an event Python dumped: microseconds truncated to milliseconds. */
export function expectedFromPython(dump: PythonEvent): DomainEvent {
  const data = Object.fromEntries(Object.entries(dump).filter(([key]) => !ENVELOPE.has(key)));
  const micros = /\.(\d{6})Z$/.exec(dump.occurred_at);
  const occurredAt = new Date(dump.occurred_at.replace(/\.(\d{3})\d{3}Z$/, '.$1Z'));
  expect(micros).not.toBeNull();
  return {
    eventId: dump.event_id,
    eventType: dump.event_type as string,
    eventVersion: dump.event_version as number,
    aggregateId: dump.aggregate_id as string,
    aggregateType: dump.aggregate_type as string,
    aggregateVersion: dump.aggregate_version as number,
    occurredAt,
    correlationId: dump.correlation_id as string,
    causationId: dump.causation_id as string | null,
    ...(dump.tenant_id === null ? {} : { tenantId: dump.tenant_id as string }),
    ...(dump.actor_id === null ? {} : { actorId: dump.actor_id as string }),
    metadata: dump.metadata as Record<string, unknown>,
    data,
  };
}

/** A millisecond instant as pydantic dumps a UTC datetime (six fraction digits, `Z`). */
export function pythonInstant(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** What eventsource-py's `model_dump(mode="json")` must show for an event we published. */
export function expectedInPython(event: DomainEvent): Record<string, unknown> {
  const data = event.data as Record<string, unknown>;
  return {
    event_id: event.eventId,
    event_type: event.eventType,
    event_version: event.eventVersion,
    occurred_at: pythonInstant(event.occurredAt),
    aggregate_id: event.aggregateId,
    aggregate_type: event.aggregateType,
    aggregate_version: event.aggregateVersion,
    tenant_id: event.tenantId ?? null,
    actor_id: event.actorId ?? null,
    correlation_id: event.correlationId,
    causation_id: event.causationId,
    metadata: event.metadata,
    ...data,
    ...(data.placed_at instanceof Date ? { placed_at: pythonInstant(data.placed_at) } : {}),
  };
}

export function typescriptEvents(): DomainEvent[] {
  const tenantId = randomUUID();
  const correlationId = randomUUID();
  return Array.from({ length: ORDERS }, (_, index) => {
    const aggregateId = randomUUID();
    const placed = OrderPlaced.create(
      {
        customer: `ts-customer-${index}`,
        total: 20.25 + index,
        units: 98765432109876543210n + BigInt(index),
        lines: [{ sku: `TS-${index}`, qty: index + 2 }],
        placed_at: new Date(Date.UTC(2026, 5, 1 + index, 8, 30, 15, 250 + index)),
        note: index % 2 === 0 ? null : `ts note ${index}`,
      },
      {
        aggregateId,
        tenantId,
        correlationId,
        actorId: `ts-user-${index}`,
        metadata: { source: 'typescript', index },
      },
    );
    const shipped = OrderShipped.create(
      { carrier: 'UPS', parcels: index + 1 },
      { aggregateId, aggregateVersion: 2, tenantId, correlationId, causationId: placed.eventId },
    );
    return [placed, shipped];
  }).flat();
}

/** A registry with both interop event types. */
export function interopRegistry(): EventRegistry {
  const registry = new EventRegistry();
  registry.register(OrderPlaced);
  registry.register(OrderShipped);
  return registry;
}

/** `trace <id>: <service> <n> spans, ...`: what Jaeger holds of one trace, per service. */
export function traceSummary(spans: readonly TraceSpan[]): string {
  const counts = new Map<string, number>();
  for (const span of spans) counts.set(span.serviceName, (counts.get(span.serviceName) ?? 0) + 1);
  const services = [...counts].map(([service, count]) => `${service} ${count} spans`).join(', ');
  return `[interop-python] Jaeger trace ${spans[0]?.traceId ?? '(none)'}: ${services}`;
}
