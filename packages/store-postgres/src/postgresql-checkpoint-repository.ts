import type { Checkpoint, CheckpointRepository, CheckpointUpdate } from '@eventsource/core';
import { InvalidArgumentError } from '@eventsource/core';
import { ATTR_POSITION, ATTR_SUBSCRIPTION_NAME, SpanNames } from '@eventsource/core/observability';
import { query } from '@eventsource/sql-postgres';
import { PostgreSQLRepository, type PostgreSQLRepositoryOptions } from './postgresql-repository.ts';
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
export class PostgreSQLCheckpointRepository extends PostgreSQLRepository implements CheckpointRepository {
  readonly #table: string;

  constructor(options: PostgreSQLCheckpointRepositoryOptions) {
    super('PostgreSQLCheckpointRepository', options, 'checkpoints');
    this.#table = objectNames(this.naming).checkpoints;
  }

  getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    return this.span(
      SpanNames.checkpoint.getCheckpoint,
      'SELECT',
      'get_checkpoint',
      { [ATTR_SUBSCRIPTION_NAME]: name },
      async () => {
        const rows = await query<CheckpointRow>(this.pool, 'get_checkpoint', {
          text: `SELECT name, position, event_id, event_type, events_processed, updated_at FROM ${this.#table} WHERE name = $1`,
          values: [name],
        });
        return rows[0] === undefined ? undefined : checkpointOf(rows[0]);
      },
    );
  }

  updateCheckpoint(name: string, update: CheckpointUpdate): Promise<void> {
    const attributes = { [ATTR_SUBSCRIPTION_NAME]: name, [ATTR_POSITION]: update.position };
    return this.span(
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
        await query(this.pool, 'update_checkpoint', {
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
    return this.span(
      SpanNames.checkpoint.resetCheckpoint,
      'DELETE',
      'reset_checkpoint',
      { [ATTR_SUBSCRIPTION_NAME]: name },
      async () => {
        await query(this.pool, 'reset_checkpoint', {
          text: `DELETE FROM ${this.#table} WHERE name = $1`,
          values: [name],
        });
      },
    );
  }

  async listCheckpoints(): Promise<Checkpoint[]> {
    this.assertOpen();
    const rows = await query<CheckpointRow>(this.pool, 'list_checkpoints', {
      text: `SELECT name, position, event_id, event_type, events_processed, updated_at FROM ${this.#table} ORDER BY name`,
    });
    return rows.map(checkpointOf);
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
