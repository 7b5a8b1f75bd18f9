import type { it } from '@jest/globals';
import type { DeadLetterInspection, DomainEvent, EventBus, EventBusCapabilities } from '@eventsource/core';
import type { TelemetryCapture } from '../telemetry.ts';
import type { ContractBusOptions } from './event-bus-contract-types.ts';
import type { EventBusContractConfig } from './event-bus-contract.ts';

/** What the event-bus contract's case files share. */
export interface BusContractContext {
  readonly config: EventBusContractConfig;
  readonly declared: EventBusCapabilities;
  /** How long one case may take. */
  readonly timeout: number;
  /** `it` and the case name when `capability` holds; `it.skip` and the name with the reason otherwise. */
  when(capability: boolean, name: string, reason: string): readonly [typeof it | typeof it.skip, string];
  /** A bus on `scope` (a unique prefix from `newScope`), closed after the suite. */
  newBus(scope: string, overrides?: Partial<ContractBusOptions>): Promise<EventBus>;
  /** A scope no other case or run uses; the suite's `cleanup` gets every one. */
  newScope(label: string): string;
  /** The suite's telemetry capture (installed before the first case). */
  telemetry(): TelemetryCapture;
}

/** Each handled event, in handling order. */
export function recorder() {
  const events: DomainEvent[] = [];
  return {
    events,
    handler: (event: DomainEvent) => void events.push(event),
    ids: () => new Set(events.map((event) => event.eventId)),
  };
}

export function isInspectable(bus: EventBus): bus is EventBus & DeadLetterInspection {
  return typeof (bus as Partial<DeadLetterInspection>).readDlq === 'function';
}
