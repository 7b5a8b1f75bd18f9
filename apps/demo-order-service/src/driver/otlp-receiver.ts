import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { traceSpansFromOtlpJson, type TraceSpan } from '@eventsource/testing/trace-tree';

/**
 * A minimal OTLP/HTTP receiver for JSON payloads (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`): the
 * services export to it exactly as they would to a collector or Jaeger, and the demo prints what
 * arrived. Listens on a free loopback port.
 */
export class OtlpJsonReceiver {
  readonly #spans: TraceSpan[] = [];
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<OtlpJsonReceiver> {
    const receiver: OtlpJsonReceiver = new OtlpJsonReceiver(
      createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          if (request.method !== 'POST' || !request.url?.startsWith('/v1/')) {
            response.writeHead(404).end();
            return;
          }
          try {
            if (request.url === '/v1/traces') {
              receiver.#spans.push(
                ...traceSpansFromOtlpJson(JSON.parse(Buffer.concat(chunks).toString('utf8'))),
              );
            }
            response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          } catch {
            response
              .writeHead(400, { 'content-type': 'application/json' })
              .end('{"message":"not OTLP/JSON"}');
          }
        });
      }),
    );
    receiver.#server.listen(0, '127.0.0.1');
    await once(receiver.#server, 'listening');
    return receiver;
  }

  /** `OTEL_EXPORTER_OTLP_ENDPOINT` for the exporters. */
  get endpoint(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('receiver is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  spansOf(traceId: string): TraceSpan[] {
    return this.#spans.filter((span) => span.traceId === traceId);
  }

  async close(): Promise<void> {
    this.#server.close();
    this.#server.closeAllConnections();
    await once(this.#server, 'close');
  }
}
