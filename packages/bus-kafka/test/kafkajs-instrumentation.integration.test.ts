// With @opentelemetry/instrumentation-kafkajs enabled as a user would, our spans and the
// instrumentation's form one trace. (The seed's example trace across two processes is a case of
// the event-bus contract, contract.integration.test.ts.)
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from '@jest/globals';
import { expectOneInstrumentedTrace } from '@eventsource/testing';
import { runSpanProcess } from '@eventsource/testing/span-process';
import { deleteTopics, uniquePrefix } from './support.ts';

const fixture = fileURLToPath(new URL('./fixtures/instrumented-process.ts', import.meta.url));
const prefixes: string[] = [];

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteTopics(prefix)));
}, 30_000);

describe('tracing with a transport instrumentation', () => {
  it('stays one connected trace when the user also enables @opentelemetry/instrumentation-kafkajs', async () => {
    const prefix = uniquePrefix('instrumented');
    prefixes.push(prefix);
    const spans = await runSpanProcess(fixture, { PREFIX: prefix });
    expectOneInstrumentedTrace(spans, {
      scope: '@opentelemetry/instrumentation-kafkajs',
      send: `send ${prefix}.stream`,
      process: `process ${prefix}.stream`,
    });
  }, 60_000);
});
