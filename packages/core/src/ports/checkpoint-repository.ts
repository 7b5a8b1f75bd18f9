/** How far a projection or subscription has processed the global event order. */
export interface Checkpoint {
  readonly name: string;
  /** Global position of the last event processed. */
  readonly position: number;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly eventsProcessed: number;
  readonly updatedAt: Date;
}

export interface CheckpointUpdate {
  readonly position: number;
  readonly eventId?: string;
  readonly eventType?: string;
  /** Events processed since the last update (default 1). */
  readonly processed?: number;
}

/** Durable checkpoints, one row per name. */
export interface CheckpointRepository {
  /** The checkpoint stored under `name`, or `undefined` before the first update (start from the beginning). */
  getCheckpoint(name: string): Promise<Checkpoint | undefined>;
  /**
   * Records progress. A position lower than the stored one is ignored (a checkpoint never moves
   * backwards); use `resetCheckpoint` to start over.
   */
  updateCheckpoint(name: string, update: CheckpointUpdate): Promise<void>;
  /** Forgets the checkpoint: the next run starts from the beginning. */
  resetCheckpoint(name: string): Promise<void>;
  /** Every stored checkpoint, ordered by name (byte order for ASCII names; the database collation otherwise). */
  listCheckpoints(): Promise<Checkpoint[]>;
  /** Releases what the repository created (never a connection it was handed). Calling it twice is harmless. */
  close(): Promise<void>;
}
