"""Consumes with an eventsource-py bus (`--bus`) until INTEROP_EXPECTED events arrived (or
INTEROP_TIMEOUT_S passed), as a Python service would, in group INTEROP_CONSUMER_GROUP.

Each handled event is recorded with the trace context current in the handler (eventsource-py's
consume span, whose parent is the producer's traceparent on Kafka and RabbitMQ; its Redis bus reads
no trace context, so there it is a new trace). Prints
`RESULT {"received": [{"event", "traceId", "spanId"}, ...], "timedOut"}`.
"""

import asyncio
import os
import sys

from opentelemetry import trace

from interop_runtime import bus_kind, event_bus, print_result, setting, span_ids, start_telemetry


async def main() -> None:
    kind = bus_kind()
    provider = start_telemetry()
    expected = int(setting("INTEROP_EXPECTED"))
    received: list[dict] = []
    enough = asyncio.Event()

    async def record(event) -> None:
        received.append({"event": event.model_dump(mode="json"), **span_ids(trace.get_current_span())})
        if len(received) >= expected:
            enough.set()

    bus = event_bus(kind, setting("INTEROP_CONSUMER_GROUP"))
    bus.subscribe_to_all_events(record)
    await bus.connect()
    bus.start_consuming_in_background()
    sys.stderr.write("consuming\n")
    timed_out = False
    try:
        await asyncio.wait_for(enough.wait(), timeout=float(os.environ.get("INTEROP_TIMEOUT_S", "60")))
    except TimeoutError:
        timed_out = True
    finally:
        # eventsource-py's Kafka and RabbitMQ loops notice a stop only when the next message
        # arrives, so their shutdown waits out the timeout and then cancels the loop: keep it short.
        await bus.shutdown(timeout=1 if kind == "kafka" else 2)
    provider.shutdown()
    print_result({"received": received, "timedOut": timed_out})


asyncio.run(main())
