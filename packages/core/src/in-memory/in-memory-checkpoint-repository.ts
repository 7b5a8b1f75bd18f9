import { ATTR_POSITION, ATTR_SUBSCRIPTION_NAME } from '../observability/attributes.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import { SpanNames } from '../observability/span-names.ts';
import type { Checkpoint, CheckpointRepository, CheckpointUpdate } from '../ports/checkpoint-repository.ts';

export class InMemoryCheckpointRepository implements CheckpointRepository {
  readonly #checkpoints = new Map<string, Checkpoint>();
  readonly #tracer: ComponentTracer;

  constructor(options: TelemetryOptions = {}) {
    this.#tracer = ComponentTracer.from('@eventsource/core', options, true);
  }

  getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    return this.#tracer.run(
      SpanNames.checkpoint.getCheckpoint,
      { attributes: { [ATTR_SUBSCRIPTION_NAME]: name } },
      async () => this.#checkpoints.get(name),
    );
  }

  updateCheckpoint(name: string, update: CheckpointUpdate): Promise<void> {
    const attributes = { [ATTR_SUBSCRIPTION_NAME]: name, [ATTR_POSITION]: update.position };
    return this.#tracer.run(SpanNames.checkpoint.updateCheckpoint, { attributes }, async () => {
      const existing = this.#checkpoints.get(name);
      if (existing !== undefined && existing.position > update.position) return;
      this.#checkpoints.set(name, {
        name,
        position: update.position,
        eventId: update.eventId ?? null,
        eventType: update.eventType ?? null,
        eventsProcessed: (existing?.eventsProcessed ?? 0) + (update.processed ?? 1),
        updatedAt: new Date(),
      });
    });
  }

  resetCheckpoint(name: string): Promise<void> {
    return this.#tracer.run(
      SpanNames.checkpoint.resetCheckpoint,
      { attributes: { [ATTR_SUBSCRIPTION_NAME]: name } },
      async () => {
        this.#checkpoints.delete(name);
      },
    );
  }

  async listCheckpoints(): Promise<Checkpoint[]> {
    return [...this.#checkpoints.values()].sort((left, right) =>
      left.name < right.name ? -1 : left.name > right.name ? 1 : 0,
    );
  }

  async close(): Promise<void> {}
}
