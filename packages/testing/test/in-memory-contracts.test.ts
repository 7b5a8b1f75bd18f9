import {
  InMemoryCheckpointRepository,
  InMemoryDLQRepository,
  InMemoryEventStore,
  InMemoryOutboxRepository,
  InMemorySnapshotStore,
} from '@eventsource/core';
import {
  checkpointRepositoryContract,
  dlqRepositoryContract,
  eventStoreContract,
  outboxRepositoryContract,
  snapshotStoreContract,
} from '../src/index.ts';

eventStoreContract(
  'InMemoryEventStore',
  async ({ registry }) => new InMemoryEventStore({ eventRegistry: registry }),
);
snapshotStoreContract('InMemorySnapshotStore', async () => new InMemorySnapshotStore());
checkpointRepositoryContract('InMemoryCheckpointRepository', async () => new InMemoryCheckpointRepository());
dlqRepositoryContract('InMemoryDLQRepository', async () => new InMemoryDLQRepository());
outboxRepositoryContract('InMemoryOutboxRepository', async () => new InMemoryOutboxRepository());
