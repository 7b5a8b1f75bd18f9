import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { EventBus, EventBusCapabilities } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '../telemetry.ts';
import type { BusContractContext } from './event-bus-contract-context.ts';
import type { ContractBusFactory, ContractBusOptions } from './event-bus-contract-types.ts';
import { deliveryCases } from './event-bus-delivery-cases.ts';
import { failureCases } from './event-bus-failure-cases.ts';
import { metricCases } from './event-bus-metric-cases.ts';
import { traceCases } from './event-bus-trace-cases.ts';
import { contractRegistry } from './fixtures.ts';

export interface EventBusContractConfig {
  /** Shown in the suite name. */
  readonly name: string;
  /** What the bus declares; checked against `bus.capabilities`. Undeclared cases show as skipped. */
  readonly capabilities: EventBusCapabilities;
  /**
   * URL of a module exporting `createBus` ({@link ContractBusFactory}). It is imported here and, for
   * the two-process trace case, in a child process.
   */
  readonly factoryModule: string;
  /** Puts raw bytes on the bus's wire as a foreign producer would. Required with `deadLetters`. */
  readonly sendRaw?: (bus: EventBus, value: string, headers: Record<string, string>) => Promise<void>;
  /** The bus's metric prefix (`kafka` for `kafka.eventbus.*`); the catalogue case runs when given. */
  readonly metricPrefix?: string;
  /** Removes what the suite's scopes created on the broker (topics, queues, streams). */
  readonly cleanup?: (scopes: readonly string[]) => Promise<void>;
  /** How long one case may take. Default 60000. */
  readonly timeoutMs?: number;
}

/**
 * The behaviour every `EventBus` must have, in one call. The adapter's factory module maps
 * {@link ContractBusOptions} onto its options; each case uses its own scope, so cases never see
 * each other's messages. Cases of a capability the bus does not declare are skipped, with the reason
 * in their name.
 */
export function eventBusContract(config: EventBusContractConfig): void {
  const declared = config.capabilities;
  const timeout = config.timeoutMs ?? 60_000;
  const when = (capability: boolean, name: string, reason: string) =>
    [capability ? it : it.skip, capability ? name : `${name} (skipped: ${reason})`] as const;
  const scopes: string[] = [];
  const open: EventBus[] = [];
  let createBus: ContractBusFactory;
  let telemetry: TelemetryCapture;

  async function newBus(scope: string, overrides: Partial<ContractBusOptions> = {}): Promise<EventBus> {
    const bus = await createBus({
      scope,
      consumerGroup: `${scope}-group`,
      registry: contractRegistry(),
      maxRetries: 2,
      retryBaseDelayMs: 100,
      ...overrides,
    });
    open.push(bus);
    return bus;
  }

  function newScope(label: string): string {
    const scope = `contract-${label}-${randomUUID().slice(0, 8)}`;
    scopes.push(scope);
    return scope;
  }

  describe(`EventBus contract: ${config.name}`, () => {
    beforeAll(async () => {
      telemetry = captureTelemetry();
      ({ createBus } = (await import(config.factoryModule)) as { createBus: ContractBusFactory });
    });

    afterAll(async () => {
      await Promise.allSettled(open.map((bus) => bus.close()));
      await config.cleanup?.(scopes);
      await telemetry.shutdown();
    }, timeout);

    const context: BusContractContext = {
      config,
      declared,
      timeout,
      when,
      newBus,
      newScope,
      telemetry: () => telemetry,
    };
    deliveryCases(context);
    failureCases(context);
    traceCases(context);
    metricCases(context);
  });
}
