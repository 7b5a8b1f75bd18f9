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
  getCheckpoint(name: string): Promise<Checkpoint | undefined>;
  /**
   * Records progress. A position lower than the stored one is ignored (a checkpoint never moves
   * backwards); use `resetCheckpoint` to start over.
   */
  updateCheckpoint(name: string, update: CheckpointUpdate): Promise<void>;
  /** Forgets the checkpoint: the next run starts from the beginning. */
  resetCheckpoint(name: string): Promise<void>;
  listCheckpoints(): Promise<Checkpoint[]>;
  close(): Promise<void>;
}
