"""Publishes the interop events with an eventsource-py bus (`--bus`), as a Python service would.

eventsource-py injects the *current* trace context into the message headers, not its own publish
span's (it starts that span without making it current). With no span open, its messages carry no
traceparent. So the publish runs inside a span of the caller's own, as a Python service's request
handler would be: the consumers continue that span's trace. Its RabbitMQ bus injects only when it
publishes one event per call (`publish_many` writes no trace headers), so there each event is
published on its own; its Redis bus propagates no trace at all.

Prints `RESULT {"traceId", "spanId", "events": [model_dump(mode="json"), ...]}`.
"""

import asyncio
import os
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from opentelemetry import trace

from interop_events import OrderPlaced, OrderShipped
from interop_runtime import bus_kind, event_bus, print_result, span_ids, start_telemetry


def build_events(orders: int) -> list:
    tenant, correlation = uuid4(), uuid4()
    events = []
    for index in range(orders):
        order_id = uuid4()
        # datetime.now() keeps microseconds, which the TypeScript side truncates to milliseconds.
        placed = OrderPlaced(
            aggregate_id=order_id,
            aggregate_version=1,
            tenant_id=tenant,
            actor_id=f"py-user-{index}",
            correlation_id=correlation,
            metadata={"source": "python", "index": index},
            customer=f"customer-{index}",
            total=12.5 + index,
            units=12345678901234567890 + index,
            lines=[{"sku": f"SKU-{index}", "qty": index + 1}],
            placed_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC) + timedelta(days=index),
            note=None if index % 2 else f"note {index}",
        )
        shipped = OrderShipped(
            aggregate_id=order_id,
            aggregate_version=2,
            tenant_id=tenant,
            correlation_id=correlation,
            causation_id=placed.event_id,
            carrier="DHL",
            parcels=index + 1,
        )
        events += [placed, shipped]
    return events


async def main() -> None:
    kind = bus_kind()
    provider = start_telemetry()
    bus = event_bus(kind)
    await bus.connect()
    tracer = trace.get_tracer("interop.python.publisher")
    try:
        with tracer.start_as_current_span("interop.python.checkout") as root:
            events = build_events(int(os.environ.get("INTEROP_ORDERS", "5")))
            if kind == "rabbitmq":
                for event in events:
                    await bus.publish([event])
            else:
                await bus.publish(events)
            ids = span_ids(root)
    finally:
        await bus.shutdown(timeout=10)
    provider.shutdown()
    print_result({**ids, "events": [event.model_dump(mode="json") for event in events]})


asyncio.run(main())
