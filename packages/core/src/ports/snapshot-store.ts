/** An aggregate's state at a version, so loading can skip replaying the events before it. */
export interface Snapshot<TState = unknown> {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly version: number;
  readonly state: TState;
  /** The aggregate's state schema version; a snapshot with another schema version is ignored. */
  readonly schemaVersion: number;
  readonly createdAt: Date;
}

/** One snapshot per aggregate: saving replaces the previous one. */
export interface SnapshotStore {
  /** Saves (upserts) the snapshot of (`aggregateId`, `aggregateType`). An older version never replaces a newer one. */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** The aggregate's snapshot, or `undefined` when it has none (load then replays every event). */
  getSnapshot(aggregateId: string, aggregateType: string): Promise<Snapshot | undefined>;
  /** Returns whether a snapshot was deleted. */
  deleteSnapshot(aggregateId: string, aggregateType: string): Promise<boolean>;
  /** Whether the aggregate has a snapshot. */
  snapshotExists(aggregateId: string, aggregateType: string): Promise<boolean>;
  /** Deletes snapshots of a type, or only those below a schema version. Returns how many. */
  deleteSnapshotsByType(
    aggregateType: string,
    options?: { readonly schemaVersionBelow?: number },
  ): Promise<number>;
  /** Releases what the store created (never a connection it was handed). Calling it twice is harmless. */
  close(): Promise<void>;
}
