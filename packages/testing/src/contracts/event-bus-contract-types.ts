import type { EventBus, EventRegistry } from '@eventsource/core';
import type { TracerProvider } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';

/** What the event-bus contract asks an adapter's factory for. Map it onto the bus's own options. */
export interface ContractBusOptions {
  /** Unique per test: use it as the topic / exchange / stream prefix, so tests never meet. */
  readonly scope: string;
  readonly consumerGroup: string;
  readonly registry: EventRegistry;
  /** Retries before a failing message is dead-lettered (default: the bus's). */
  readonly maxRetries?: number;
  /** Back-off before the first retry (default: the bus's). */
  readonly retryBaseDelayMs?: number;
  readonly tracerProvider?: TracerProvider;
  readonly meterProvider?: MeterProvider;
}

/** The export a bus's factory module provides (`export const createBus: ContractBusFactory = ...`). */
export type ContractBusFactory = (options: ContractBusOptions) => Promise<EventBus> | EventBus;
