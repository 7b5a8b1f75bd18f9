"""What the interop scripts share: settings, OpenTelemetry, the bus under test, output.

Every script takes `--bus kafka|rabbitmq|redis` (default kafka) and builds that eventsource-py bus
exactly as a Python service would, with the library's defaults except for names and timings.

Environment: INTEROP_URL (Kafka bootstrap servers `host:port`, or the RabbitMQ/Redis URL),
INTEROP_PREFIX (Kafka `topic_prefix`, RabbitMQ `exchange_name`, Redis `stream_prefix`),
INTEROP_SERVICE_NAME (the OpenTelemetry service.name), OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP base
URL, e.g. http://127.0.0.1:4318). stdout carries one `RESULT <json>` line; everything else goes to
stderr.
"""

import argparse
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

from interop_events import registry

BUSES = ("kafka", "rabbitmq", "redis")


def bus_kind() -> str:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bus", choices=BUSES, default="kafka")
    return parser.parse_args().bus


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


def event_bus(kind: str, consumer_group: str = "default") -> Any:
    """eventsource-py's bus of `kind` on INTEROP_URL, named by INTEROP_PREFIX, in `consumer_group`."""
    url, prefix = setting("INTEROP_URL"), setting("INTEROP_PREFIX")
    if kind == "kafka":
        from eventsource.adapters.kafka import KafkaEventBus, KafkaEventBusConfig

        config = KafkaEventBusConfig(
            bootstrap_servers=url,
            topic_prefix=prefix,
            consumer_group=consumer_group,
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
            enable_metrics=False,
        )
        return KafkaEventBus(config=config, event_registry=registry)
    if kind == "rabbitmq":
        from eventsource.adapters.rabbitmq import RabbitMQEventBus, RabbitMQEventBusConfig

        config = RabbitMQEventBusConfig(rabbitmq_url=url, exchange_name=prefix, consumer_group=consumer_group)
        return RabbitMQEventBus(config=config, event_registry=registry)
    from eventsource.adapters.redis import RedisEventBus, RedisEventBusConfig

    # A short block keeps shutdown quick: the loop sees the stop flag after each XREADGROUP.
    config = RedisEventBusConfig(redis_url=url, stream_prefix=prefix, consumer_group=consumer_group, block_ms=500)
    return RedisEventBus(config=config, event_registry=registry)


def span_ids(span: Any) -> dict[str, str]:
    context = span.get_span_context()
    return {"traceId": format(context.trace_id, "032x"), "spanId": format(context.span_id, "016x")}


def print_result(result: dict[str, Any]) -> None:
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
