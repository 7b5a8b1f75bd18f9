// With @opentelemetry/instrumentation-amqplib enabled as an application would, our spans and the
// instrumentation's form one trace. (The seed's example trace across two processes is a case of
// the event-bus contract, contract.integration.test.ts.)
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from '@jest/globals';
import { expectOneInstrumentedTrace } from '@eventsource/testing';
import { runSpanProcess } from '@eventsource/testing/span-process';
import { deleteTopology, uniqueExchange } from './support.ts';

const fixture = fileURLToPath(new URL('./fixtures/instrumented-process.ts', import.meta.url));
const topologies: [string, string][] = [];

afterAll(async () => {
  for (const [exchange, group] of topologies) await deleteTopology(exchange, [group]);
}, 30_000);

describe('tracing with a transport instrumentation', () => {
  it('stays one trace with @opentelemetry/instrumentation-amqplib enabled as well', async () => {
    const exchange = uniqueExchange('instrumented');
    topologies.push([exchange, 'roundtrip']);
    const spans = await runSpanProcess(fixture, { EXCHANGE: exchange });
    expectOneInstrumentedTrace(spans, {
      scope: '@opentelemetry/instrumentation-amqplib',
      send: `publish ${exchange}`,
      process: `${exchange}.roundtrip process`,
    });
  }, 60_000);
});
