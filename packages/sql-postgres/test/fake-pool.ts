import { EventEmitter } from 'node:events';
import type { Pool, QueryConfig } from 'pg';

type Answer = { rows: unknown[]; rowCount: number } | Error;

/**
 * A stand-in for a `pg` pool with one client: it records the statements sent and how the client
 * was released, and answers each statement with `answer(text)`. Enough to test the client
 * helpers' release and transaction rules without a server.
 */
export class FakeClient extends EventEmitter {
  readonly statements: string[] = [];
  readonly released: unknown[] = [];
  readonly #answer: (text: string) => Answer;

  constructor(answer: (text: string) => Answer = () => ({ rows: [], rowCount: 0 })) {
    super();
    this.#answer = answer;
  }

  async query(config: string | QueryConfig): Promise<{ rows: unknown[]; rowCount: number }> {
    const text = typeof config === 'string' ? config : config.text;
    this.statements.push(text.replace(/\s+/g, ' ').trim());
    const answer = this.#answer(text);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  release(broken?: unknown): void {
    this.released.push(broken);
  }
}

/** A pool handing out `client`, or failing to connect with `connectError`. */
export function fakePool(client: FakeClient, connectError?: Error): Pool {
  return {
    connect: async () => {
      if (connectError !== undefined) throw connectError;
      return client;
    },
  } as unknown as Pool;
}

export function databaseError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`database error ${code}`), { code, ...extra });
}
