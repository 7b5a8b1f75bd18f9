import { expect } from '@jest/globals';
import { meterCapture, pointsOf, waitFor } from '../bus-helpers.ts';
import { recorder, type BusContractContext } from './event-bus-contract-context.ts';
import { ContractItemAdded, itemsAdded, uniqueId } from './fixtures.ts';

/** Metrics: the catalogue with the bus's prefix. */
export function metricCases(context: BusContractContext): void {
  const { config, timeout, when, newBus, newScope } = context;
  const [metricsIt, metricsName] = when(
    config.metricPrefix !== undefined,
    'emits the metric catalogue with its prefix',
    'the bus has no metric catalogue',
  );
  metricsIt(
    metricsName,
    async () => {
      const prefix = config.metricPrefix!;
      const meters = meterCapture();
      const bus = await newBus(newScope('metrics'), { meterProvider: meters.meterProvider });
      const handled = recorder();
      bus.subscribe(ContractItemAdded, handled.handler);
      await bus.startConsuming();
      const events = itemsAdded(uniqueId('cart'), 3);
      await bus.publish(events);
      await waitFor(() => handled.ids().size === 3, 'the three events');
      await waitFor(
        async () =>
          (pointsOf(await meters.metric(`${prefix}.eventbus.handler.invocations`))[0]?.value ?? 0) >= 3,
        'the handler counter',
      );
      const names = await meters.names();
      for (const suffix of [
        'messages.published',
        'messages.consumed',
        'handler.invocations',
        'handler.duration',
        'publish.duration',
        'consume.duration',
        'batch.size',
        'connections.active',
      ])
        expect(names).toContain(`${prefix}.eventbus.${suffix}`);
      const published = pointsOf(await meters.metric(`${prefix}.eventbus.messages.published`));
      expect(published.reduce((total, point) => total + point.value, 0)).toBe(3);
      expect(published[0]?.attributes['eventsource.event.type']).toBe('ContractItemAdded');
      expect(typeof published[0]?.attributes['messaging.system']).toBe('string');
      await meters.shutdown();
    },
    timeout,
  );
}
