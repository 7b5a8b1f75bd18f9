import Database from 'better-sqlite3';
import type { DomainEvent } from '@eventsource/core';
import { evolveView, type OrderReadModel, type OrderView } from './order-view.ts';

interface ViewRow {
  readonly view: string;
}

/**
 * The read model as a table (`order_view`) in the demo's SQLite file, beside the event store's
 * tables: the worker process writes it, the order service process reads it (WAL lets both at once).
 */
export class SQLiteOrderReadModel implements OrderReadModel {
  readonly #db: Database.Database;
  readonly #select: Database.Statement<[string], ViewRow>;
  readonly #upsert: Database.Statement<[string, number, string]>;
  readonly #apply: (event: DomainEvent) => void;

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS order_view (order_id TEXT PRIMARY KEY, version INTEGER NOT NULL, view TEXT NOT NULL)',
    );
    this.#select = this.#db.prepare('SELECT view FROM order_view WHERE order_id = ?');
    this.#upsert = this.#db.prepare(
      `INSERT INTO order_view (order_id, version, view) VALUES (?, ?, ?)
       ON CONFLICT (order_id) DO UPDATE SET version = excluded.version, view = excluded.view`,
    );
    this.#apply = this.#db
      .transaction((event: DomainEvent) => {
        const next = evolveView(this.#read(event.aggregateId), event);
        if (next !== undefined) this.#upsert.run(next.orderId, next.version, JSON.stringify(next));
      })
      .immediate.bind(undefined);
  }

  #read(orderId: string): OrderView | undefined {
    const row = this.#select.get(orderId);
    return row === undefined ? undefined : (JSON.parse(row.view) as OrderView);
  }

  async get(orderId: string): Promise<OrderView | undefined> {
    return this.#read(orderId);
  }

  async apply(event: DomainEvent): Promise<void> {
    this.#apply(event);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
