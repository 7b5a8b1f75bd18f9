/** The services, in the order they are started and reported. */
export const serviceNames = ['postgres', 'redis', 'rabbitmq', 'kafka', 'jaeger'] as const;

export type ServiceName = (typeof serviceNames)[number];

export function isServiceName(value: string): value is ServiceName {
  return (serviceNames as readonly string[]).includes(value);
}
