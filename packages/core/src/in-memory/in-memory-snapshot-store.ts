import { fromJson, toJson } from '../events/serialization.ts';
import { ATTR_AGGREGATE_ID, ATTR_AGGREGATE_TYPE, ATTR_VERSION } from '../observability/attributes.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import { SpanNames, type SpanName } from '../observability/span-names.ts';
import type { Snapshot, SnapshotStore } from '../ports/snapshot-store.ts';

interface StoredSnapshot extends Omit<Snapshot, 'state'> {
  readonly state: string;
}

/** Snapshots in process memory. State is kept as JSON, as the SQL stores keep it. */
export class InMemorySnapshotStore implements SnapshotStore {
  readonly #snapshots = new Map<string, StoredSnapshot>();
  readonly #tracer: ComponentTracer;

  constructor(options: TelemetryOptions = {}) {
    this.#tracer = ComponentTracer.from('@eventsource/core', options, true);
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.#span(
      SpanNames.snapshot.save,
      snapshot.aggregateId,
      snapshot.aggregateType,
      async () => {
        const key = keyOf(snapshot.aggregateId, snapshot.aggregateType);
        const existing = this.#snapshots.get(key);
        if (existing !== undefined && existing.version > snapshot.version) return;
        this.#snapshots.set(key, { ...snapshot, state: toJson(snapshot.state) });
      },
      snapshot.version,
    );
  }

  getSnapshot(aggregateId: string, aggregateType: string): Promise<Snapshot | undefined> {
    return this.#span(SpanNames.snapshot.get, aggregateId, aggregateType, async () => {
      const stored = this.#snapshots.get(keyOf(aggregateId, aggregateType));
      return stored === undefined ? undefined : { ...stored, state: fromJson(stored.state) };
    });
  }

  deleteSnapshot(aggregateId: string, aggregateType: string): Promise<boolean> {
    return this.#span(SpanNames.snapshot.delete, aggregateId, aggregateType, async () =>
      this.#snapshots.delete(keyOf(aggregateId, aggregateType)),
    );
  }

  snapshotExists(aggregateId: string, aggregateType: string): Promise<boolean> {
    return this.#span(SpanNames.snapshot.exists, aggregateId, aggregateType, async () =>
      this.#snapshots.has(keyOf(aggregateId, aggregateType)),
    );
  }

  async deleteSnapshotsByType(
    aggregateType: string,
    options: { readonly schemaVersionBelow?: number } = {},
  ): Promise<number> {
    let deleted = 0;
    for (const [key, snapshot] of this.#snapshots) {
      if (snapshot.aggregateType !== aggregateType) continue;
      if (options.schemaVersionBelow !== undefined && snapshot.schemaVersion >= options.schemaVersionBelow)
        continue;
      this.#snapshots.delete(key);
      deleted += 1;
    }
    return deleted;
  }

  async close(): Promise<void> {}

  #span<T>(
    name: SpanName,
    aggregateId: string,
    aggregateType: string,
    fn: () => Promise<T>,
    version?: number,
  ): Promise<T> {
    const attributes = {
      [ATTR_AGGREGATE_ID]: aggregateId,
      [ATTR_AGGREGATE_TYPE]: aggregateType,
      [ATTR_VERSION]: version,
    };
    return this.#tracer.run(name, { attributes }, fn);
  }
}

function keyOf(aggregateId: string, aggregateType: string): string {
  return `${aggregateType}\u0000${aggregateId}`;
}
