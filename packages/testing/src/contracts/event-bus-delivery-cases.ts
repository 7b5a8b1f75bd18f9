import { expect, it } from '@jest/globals';
import { waitFor } from '../bus-helpers.ts';
import { isInspectable, recorder, type BusContractContext } from './event-bus-contract-context.ts';
import { ContractItemAdded, ContractNoteTaken, itemsAdded, uniqueId } from './fixtures.ts';

/** Delivery: capabilities, typed and wildcard handlers, consumer groups, shared work, order. */
export function deliveryCases(context: BusContractContext): void {
  const { declared, timeout, when, newBus, newScope } = context;
  it('declares the capabilities the suite runs with', async () => {
    const bus = await newBus(newScope('capabilities'));
    expect(bus.capabilities).toEqual(declared);
    if (declared.dlqInspection) expect(isInspectable(bus)).toBe(true);
  });

  it(
    'delivers to typed and wildcard handlers, and unsubscribed handlers get nothing more',
    async () => {
      const bus = await newBus(newScope('delivery'));
      const typed = recorder();
      const wildcard = recorder();
      const dropped = recorder();
      bus.subscribe(ContractItemAdded, typed.handler);
      bus.subscribeAll(wildcard.handler);
      const stop = bus.subscribe(ContractNoteTaken, dropped.handler);
      const viaMethod = recorder();
      bus.subscribe(ContractNoteTaken, viaMethod.handler);
      stop();
      expect(bus.unsubscribe(ContractNoteTaken, viaMethod.handler)).toBe(true);
      expect(bus.unsubscribe(ContractNoteTaken, viaMethod.handler)).toBe(false);
      await bus.startConsuming();
      await bus.startConsuming();
      const cartId = uniqueId('cart');
      const items = itemsAdded(cartId, 2);
      const note = ContractNoteTaken.create({ text: 'hello' }, { aggregateId: uniqueId('note') });
      await bus.publish([...items, note]);
      await waitFor(
        () => wildcard.events.length >= 3 && typed.events.length >= 2,
        'delivery to every handler',
      );
      expect([...typed.ids()].sort()).toEqual(items.map((event) => event.eventId).sort());
      expect(wildcard.ids()).toEqual(new Set([...items, note].map((event) => event.eventId)));
      const received = typed.events.find((event) => event.eventId === items[0]!.eventId);
      expect(received?.data).toEqual(items[0]!.data);
      expect(received?.occurredAt).toEqual(items[0]!.occurredAt);
      expect(dropped.events).toEqual([]);
      expect(viaMethod.events).toEqual([]);
    },
    timeout,
  );

  const [groupsIt, groupsName] = when(
    declared.consumerGroups,
    'every consumer group gets every event',
    'consumerGroups not declared',
  );
  groupsIt(
    groupsName,
    async () => {
      const scope = newScope('groups');
      const first = await newBus(scope, { consumerGroup: `${scope}-a` });
      const second = await newBus(scope, { consumerGroup: `${scope}-b` });
      const seenByFirst = recorder();
      const seenBySecond = recorder();
      first.subscribe(ContractItemAdded, seenByFirst.handler);
      second.subscribe(ContractItemAdded, seenBySecond.handler);
      await Promise.all([first.startConsuming(), second.startConsuming()]);
      const events = itemsAdded(uniqueId('cart'), 6);
      await first.publish(events);
      const all = new Set(events.map((event) => event.eventId));
      await waitFor(
        () => seenByFirst.ids().size === 6 && seenBySecond.ids().size === 6,
        'both groups to receive all six events',
        timeout / 2,
      );
      expect(seenByFirst.ids()).toEqual(all);
      expect(seenBySecond.ids()).toEqual(all);
    },
    timeout,
  );

  groupsIt(
    declared.consumerGroups
      ? 'members of one group share the work, and nothing is lost'
      : 'members of one group share the work (skipped: consumerGroups not declared)',
    async () => {
      const scope = newScope('members');
      const members = [await newBus(scope), await newBus(scope)];
      const seen = members.map(() => recorder());
      members.forEach((member, index) => member.subscribe(ContractItemAdded, seen[index]!.handler));
      await Promise.all(members.map((member) => member.startConsuming()));
      const published = new Set<string>();
      // Rounds of events across many aggregates until each member has handled some (a member
      // may need a moment to get its share of the work after joining).
      const deadline = Date.now() + timeout / 2;
      while (seen.some((member) => member.events.length === 0)) {
        if (Date.now() > deadline) throw new Error('a member of the group never received any work');
        const round = Array.from({ length: 10 }, () => itemsAdded(uniqueId('cart'), 1)[0]!);
        await members[0]!.publish(round);
        for (const event of round) published.add(event.eventId);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await waitFor(
        () => [...published].every((id) => seen.some((member) => member.ids().has(id))),
        'every published event to be handled by some member',
        timeout / 2,
      );
      for (const member of seen) expect(member.events.length).toBeGreaterThan(0);
    },
    timeout,
  );

  const [orderIt, orderName] = when(
    declared.perAggregateOrdering,
    "one aggregate's events are handled in publish order",
    'perAggregateOrdering not declared',
  );
  orderIt(
    orderName,
    async () => {
      const bus = await newBus(newScope('order'));
      const seen = recorder();
      bus.subscribe(ContractItemAdded, seen.handler);
      await bus.startConsuming();
      const carts = Array.from({ length: 4 }, () => uniqueId('cart'));
      const streams = carts.map((cartId) => itemsAdded(cartId, 10));
      const interleaved = Array.from({ length: 10 }, (_, version) =>
        streams.map((events) => events[version]!),
      ).flat();
      for (let start = 0; start < interleaved.length; start += 8)
        await bus.publish(interleaved.slice(start, start + 8));
      await waitFor(() => seen.ids().size === interleaved.length, 'all 40 events handled', timeout / 2);
      for (const cartId of carts) {
        const firstSeen: number[] = [];
        for (const event of seen.events)
          if (event.aggregateId === cartId && !firstSeen.includes(event.aggregateVersion ?? -1))
            firstSeen.push(event.aggregateVersion ?? -1);
        expect(firstSeen).toEqual(Array.from({ length: 10 }, (_, index) => index + 1));
      }
    },
    timeout,
  );
}
