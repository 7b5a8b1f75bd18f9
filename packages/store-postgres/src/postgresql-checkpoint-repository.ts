import type { Checkpoint, CheckpointRepository, CheckpointUpdate } from '@eventsource/core';
import { InvalidArgumentError } from '@eventsource/core';
import { ATTR_POSITION, ATTR_SUBSCRIPTION_NAME, SpanNames } from '@eventsource/core/observability';
import { query } from '@eventsource/sql-postgres';
import { RepositoryContext, type PostgreSQLRepositoryOptions } from './repository-context.ts';
import { objectNames } from './store-schema.ts';

export type PostgreSQLCheckpointRepositoryOptions = PostgreSQLRepositoryOptions;

interface CheckpointRow {
  readonly name: string;
  readonly position: string;
  readonly event_id: string | null;
  readonly event_type: string | null;
  readonly events_processed: string;
  readonly updated_at: Date;
}

/** Subscription checkpoints in PostgreSQL, one row per name. A checkpoint never moves backwards. */
export class PostgreSQLCheckpointRepository implements CheckpointRepository {
  readonly #context: RepositoryContext;
  readonly #table: string;

  constructor(options: PostgreSQLCheckpointRepositoryOptions) {
    this.#context = new RepositoryContext('PostgreSQLCheckpointRepository', options, 'checkpoints');
    this.#table = objectNames(this.#context.naming).checkpoints;
  }

  /** Creates the store's tables when missing (the same migrations as `PostgreSQLEventStore.migrate`). */
  migrate(): Promise<number[]> {
    return this.#context.migrate();
  }

  getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    return this.#context.span(
      SpanNames.checkpoint.getCheckpoint,
      'SELECT',
      'get_checkpoint',
      { [ATTR_SUBSCRIPTION_NAME]: name },
      async () => {
        const rows = await query<CheckpointRow>(this.#context.pool, 'get_checkpoint', {
          text: `SELECT name, position, event_id, event_type, events_processed, updated_at FROM ${this.#table} WHERE name = $1`,
          values: [name],
        });
        return rows[0] === undefined ? undefined : checkpointOf(rows[0]);
      },
    );
  }

  updateCheckpoint(name: string, update: CheckpointUpdate): Promise<void> {
    const attributes = { [ATTR_SUBSCRIPTION_NAME]: name, [ATTR_POSITION]: update.position };
    return this.#context.span(
      SpanNames.checkpoint.updateCheckpoint,
      'INSERT',
      'update_checkpoint',
      attributes,
      async () => {
        if (!Number.isSafeInteger(update.position) || update.position < 0) {
          throw new InvalidArgumentError(
            `Checkpoint position must be a non-negative integer, got ${update.position}`,
          );
        }
        await query(this.#context.pool, 'update_checkpoint', {
          text: `INSERT INTO ${this.#table} AS c (name, position, event_id, event_type, events_processed, updated_at)
                 VALUES ($1, $2, $3, $4, $5, now())
               ON CONFLICT (name) DO UPDATE SET
                 position = excluded.position, event_id = excluded.event_id, event_type = excluded.event_type,
                 events_processed = c.events_processed + excluded.events_processed, updated_at = excluded.updated_at
               WHERE c.position <= excluded.position`,
          values: [
            name,
            update.position,
            update.eventId ?? null,
            update.eventType ?? null,
            update.processed ?? 1,
          ],
        });
      },
    );
  }

  resetCheckpoint(name: string): Promise<void> {
    return this.#context.span(
      SpanNames.checkpoint.resetCheckpoint,
      'DELETE',
      'reset_checkpoint',
      { [ATTR_SUBSCRIPTION_NAME]: name },
      async () => {
        await query(this.#context.pool, 'reset_checkpoint', {
          text: `DELETE FROM ${this.#table} WHERE name = $1`,
          values: [name],
        });
      },
    );
  }

  async listCheckpoints(): Promise<Checkpoint[]> {
    this.#context.assertOpen();
    const rows = await query<CheckpointRow>(this.#context.pool, 'list_checkpoints', {
      text: `SELECT name, position, event_id, event_type, events_processed, updated_at FROM ${this.#table} ORDER BY name`,
    });
    return rows.map(checkpointOf);
  }

  /** Marks the repository closed; the pool stays open (it is the caller's). */
  async close(): Promise<void> {
    this.#context.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkpointOf(row: CheckpointRow): Checkpoint {
  return {
    name: row.name,
    position: Number(row.position),
    eventId: row.event_id,
    eventType: row.event_type,
    eventsProcessed: Number(row.events_processed),
    updatedAt: row.updated_at,
  };
}
