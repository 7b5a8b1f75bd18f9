"""The events both languages exchange in the interop test (the TypeScript side defines the same types).

Fields cover every kind the mapping has to carry: text, a float, an arbitrary-precision int, a
nested list of objects, a datetime and an optional field.
"""

from datetime import datetime

from eventsource.domain.event import DomainEvent
from eventsource.domain.event_registry import EventRegistry


class OrderPlaced(DomainEvent):
    event_type: str = "OrderPlaced"
    aggregate_type: str = "Order"
    customer: str
    total: float
    units: int
    lines: list[dict[str, str | int]]
    placed_at: datetime
    note: str | None = None


class OrderShipped(DomainEvent):
    event_type: str = "OrderShipped"
    aggregate_type: str = "Order"
    carrier: str
    parcels: int


registry = EventRegistry([OrderPlaced, OrderShipped])
