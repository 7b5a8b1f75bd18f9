/**
 * Versions of the services, pinned. The native path and `docker-compose.yml` must agree: change
 * both together (and `docs/services.md`).
 */
export const pinnedVersions = {
  /**
   * Apache Kafka, from `org.apache.kafka:kafka_2.13` on Maven Central; image `apache/kafka`.
   * kafkajs 2.2.4 (consumer groups, offset commit and fetch, admin calls) was checked against it.
   */
  kafka: '4.3.1',
  /** log4j2's SLF4J 1.x binding, which the broker's own dependencies do not bring; Kafka's logs need it. */
  log4jSlf4jBinding: '2.25.4',
  /**
   * Jaeger v2 as released (image `jaegertracing/jaeger`), and the Go module version it is built from.
   * Jaeger tags each release twice, `v1.x` and `v2.x`; only the `v1.x` tag is usable from Go
   * because the module path has no `/v2` suffix. See `jaeger-binary.ts` for why 2.13.0.
   */
  jaeger: { release: '2.13.0', goModuleVersion: 'v1.76.0' },
} as const;
