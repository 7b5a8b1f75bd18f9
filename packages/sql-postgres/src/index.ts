// Public API of @eventsource/sql-postgres: the driver kit the PostgreSQL adapters share.
export { connectionAttributes, connectionTarget } from './connection-attributes.ts';
export type { ConnectionTarget } from './connection-attributes.ts';
export { preparedStatement, query, statementName, withClient, withTransaction } from './database-client.ts';
export {
  isConnectionError,
  PgErrorCodes,
  sqlState,
  translatePostgresError,
  violatedConstraint,
} from './errors.ts';
export { qualifiedName, quoteIdentifier, resolveTableNames, validateIdentifier } from './identifiers.ts';
export type { ResolvedTableNames, TableNamingInput } from './identifiers.ts';
export { applyMigrations } from './migrator.ts';
export type { Migration, MigrationTarget } from './migrator.ts';
