"""Prints the Kafka message value and headers eventsource-py writes for one fixed event.

The core unit test (packages/core/test/wire-format-eventsource-py.test.ts) holds this output and
checks that the 'eventsource-py' wire format writes the same bytes. Run with the interop venv:
`"$(bash tooling/interop-python/setup.sh)" tooling/interop-python/golden_message.py`.
"""

import json
from datetime import datetime, UTC
from uuid import UUID
from eventsource.domain.event import DomainEvent
from eventsource.adapters.kafka.publisher import KafkaPublisher
class OrderPlaced(DomainEvent):
    event_type: str = "OrderPlaced"
    aggregate_type: str = "Order"
    customer: str
    total: float
    lines: list[dict]
    placed_at: datetime
    units: int
e = OrderPlaced(
    event_id=UUID("0b7c6f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f"),
    aggregate_id=UUID("5f0e4d3c-2b1a-4098-8776-655443322110"),
    aggregate_version=3,
    occurred_at=datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=UTC),
    correlation_id=UUID("11111111-2222-4333-8444-555555555555"),
    causation_id=UUID("66666666-7777-4888-9999-aaaaaaaaaaaa"),
    tenant_id=UUID("bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"),
    actor_id="user-7",
    metadata={"source": "checkout", "attempt": 2},
    customer="c-1", total=12.5, lines=[{"sku": "A", "qty": 2}],
    placed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), units=12345678901234567890,
)
print(e.model_dump_json())
hs = KafkaPublisher._create_headers(None, e)
print(json.dumps([(k, v.decode()) for k, v in hs]))
