import type { Checkpoint, CheckpointRepository, CheckpointUpdate } from '@eventsource/core';
import { ATTR_POSITION, ATTR_SUBSCRIPTION_NAME, SpanNames } from '@eventsource/core/observability';
import type BetterSqlite3 from 'better-sqlite3';
import { SQLiteRepository, type SQLiteRepositoryOptions } from './sqlite-repository.ts';

interface CheckpointRow {
  readonly name: string;
  readonly position: number;
  readonly event_id: string | null;
  readonly event_type: string | null;
  readonly events_processed: number;
  readonly updated_at: number;
}

/**
 * Checkpoints in the `checkpoints` table of the store's schema (created and migrated here too, so
 * the repository works on its own database). A checkpoint never moves backwards: an update to a
 * lower position is ignored in the same statement that writes it, so concurrent runners cannot
 * race it back.
 */
export class SQLiteCheckpointRepository extends SQLiteRepository implements CheckpointRepository {
  readonly #select: BetterSqlite3.Statement<[string], CheckpointRow>;
  readonly #upsert: BetterSqlite3.Statement<unknown[]>;
  readonly #delete: BetterSqlite3.Statement<[string]>;
  readonly #list: BetterSqlite3.Statement<[], CheckpointRow>;

  constructor(options: SQLiteRepositoryOptions) {
    super(options, 'SQLiteCheckpointRepository', 'checkpoints');
    this.#select = this.prepare('SELECT * FROM checkpoints WHERE name = ?');
    this.#upsert = this.prepare(
      `INSERT INTO checkpoints (name, position, event_id, event_type, events_processed, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, event_id = excluded.event_id, event_type = excluded.event_type,
         events_processed = checkpoints.events_processed + excluded.events_processed, updated_at = excluded.updated_at
       WHERE excluded.position >= checkpoints.position`,
    );
    this.#delete = this.prepare('DELETE FROM checkpoints WHERE name = ?');
    this.#list = this.prepare('SELECT * FROM checkpoints ORDER BY name');
  }

  getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    return this.span(SpanNames.checkpoint.getCheckpoint, 'SELECT', { [ATTR_SUBSCRIPTION_NAME]: name }, () => {
      const row = this.query(() => this.#select.get(name), 'checkpoint read');
      return row === undefined ? undefined : checkpointOf(row);
    });
  }

  updateCheckpoint(name: string, update: CheckpointUpdate): Promise<void> {
    const attributes = { [ATTR_SUBSCRIPTION_NAME]: name, [ATTR_POSITION]: update.position };
    return this.span(SpanNames.checkpoint.updateCheckpoint, 'UPSERT', attributes, () => {
      this.query(
        () =>
          this.#upsert.run(
            name,
            update.position,
            update.eventId ?? null,
            update.eventType ?? null,
            update.processed ?? 1,
            Date.now(),
          ),
        'checkpoint update',
      );
    });
  }

  resetCheckpoint(name: string): Promise<void> {
    return this.span(
      SpanNames.checkpoint.resetCheckpoint,
      'DELETE',
      { [ATTR_SUBSCRIPTION_NAME]: name },
      () => {
        this.query(() => this.#delete.run(name), 'checkpoint reset');
      },
    );
  }

  async listCheckpoints(): Promise<Checkpoint[]> {
    this.assertOpen();
    return this.query(() => this.#list.all(), 'checkpoint list').map(checkpointOf);
  }
}

function checkpointOf(row: CheckpointRow): Checkpoint {
  return {
    name: row.name,
    position: row.position,
    eventId: row.event_id,
    eventType: row.event_type,
    eventsProcessed: row.events_processed,
    updatedAt: new Date(row.updated_at),
  };
}
