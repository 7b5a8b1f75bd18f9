import type { DomainEvent, EventDefinition, Projection } from '@eventsource/core';

/**
 * Feeds `events` (`[definition, data, aggregateId?]` triples or events) to a projection in order,
 * with per-aggregate versions, and returns the projection for assertions.
 */
export async function runProjection<TProjection extends Projection>(
  projection: TProjection,
  events: readonly (DomainEvent | readonly [EventDefinition<string, unknown>, unknown, string?])[],
): Promise<TProjection> {
  const versions = new Map<string, number>();
  for (const item of events) {
    let event: DomainEvent;
    if (Array.isArray(item)) {
      const [definition, data, aggregateId = 'projection-aggregate'] = item as readonly [
        EventDefinition<string, unknown>,
        unknown,
        string?,
      ];
      const version = (versions.get(aggregateId) ?? 0) + 1;
      versions.set(aggregateId, version);
      event = definition.create(data, {
        aggregateId,
        aggregateType: definition.aggregateType ?? 'Aggregate',
        aggregateVersion: version,
      });
    } else {
      event = item as DomainEvent;
    }
    await projection.handle(event);
  }
  return projection;
}
