"""What both interop scripts share: settings from the environment, OpenTelemetry, the bus, output.

Environment: INTEROP_BOOTSTRAP (host:port), INTEROP_TOPIC_PREFIX, INTEROP_SERVICE_NAME (the
OpenTelemetry service.name), OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP base URL, e.g.
http://127.0.0.1:4318). stdout carries one `RESULT <json>` line; everything else goes to stderr.
"""

import json
import logging
import os
import sys
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from eventsource.adapters.kafka import KafkaEventBus, KafkaEventBusConfig

from interop_events import registry


def setting(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set")
    return value


def start_telemetry() -> TracerProvider:
    """The global tracer provider eventsource-py's tracer uses, exporting to the OTLP endpoint."""
    endpoint = setting("OTEL_EXPORTER_OTLP_ENDPOINT").rstrip("/")
    provider = TracerProvider(resource=Resource.create({"service.name": setting("INTEROP_SERVICE_NAME")}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    trace.set_tracer_provider(provider)
    return provider


def kafka_bus(consumer_group: str = "default") -> KafkaEventBus:
    config = KafkaEventBusConfig(
        bootstrap_servers=setting("INTEROP_BOOTSTRAP"),
        topic_prefix=setting("INTEROP_TOPIC_PREFIX"),
        consumer_group=consumer_group,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        enable_metrics=False,
    )
    return KafkaEventBus(config=config, event_registry=registry)


def span_ids(span: Any) -> dict[str, str]:
    context = span.get_span_context()
    return {"traceId": format(context.trace_id, "032x"), "spanId": format(context.span_id, "016x")}


def print_result(result: dict[str, Any]) -> None:
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
