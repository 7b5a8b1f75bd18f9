import type { Pool } from 'pg';
import {
  ATTR_DB_NAME,
  ATTR_DB_SYSTEM,
  SemanticAttributes,
  type Attributes,
} from '@eventsource/core/observability';

/** Where a pool connects: never the user or the password. */
export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/**
 * Where the pool connects, from its options (or its connection string), falling back to the libpq
 * environment variables and defaults `pg` itself uses. User names and passwords are never read.
 */
export function connectionTarget(pool: Pool): ConnectionTarget {
  const options = pool.options ?? {};
  let fromUrl: Partial<ConnectionTarget> = {};
  if (typeof options.connectionString === 'string') {
    try {
      const url = new URL(options.connectionString);
      const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
      fromUrl = {
        ...(url.hostname ? { host: decodeURIComponent(url.hostname) } : {}),
        ...(url.port ? { port: Number(url.port) } : {}),
        ...(database ? { database } : {}),
      };
    } catch {
      fromUrl = {};
    }
  }
  const host = options.host ?? fromUrl.host ?? process.env.PGHOST ?? 'localhost';
  const port = Number(options.port ?? fromUrl.port ?? process.env.PGPORT ?? 5432);
  const database =
    options.database ??
    fromUrl.database ??
    process.env.PGDATABASE ??
    options.user ??
    process.env.PGUSER ??
    'postgres';
  return { host, port, database };
}

/** Span attributes every PostgreSQL span carries: system, database, server. Never credentials. */
export function connectionAttributes(pool: Pool): Attributes {
  const target = connectionTarget(pool);
  return {
    [ATTR_DB_SYSTEM]: 'postgresql',
    [SemanticAttributes.dbSystemName]: 'postgresql',
    [ATTR_DB_NAME]: target.database,
    [SemanticAttributes.dbNamespace]: target.database,
    [SemanticAttributes.serverAddress]: target.host,
    [SemanticAttributes.serverPort]: target.port,
  };
}
