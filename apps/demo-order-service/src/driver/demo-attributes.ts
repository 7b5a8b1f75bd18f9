import type { TraceSpan } from '@eventsource/testing/trace-tree';

const MESSAGING = ['messaging.system', 'messaging.destination.name', 'eventsource.event.type'];
const MESSAGING_SPANS = [
  'eventsource.event_bus.publish',
  'eventsource.event_bus.consume',
  'eventsource.event_bus.process',
];

/**
 * The attributes the demo prints: per kind of span, the one or two that say what it did (the
 * seed's example trace shows the same), so a request's tree fits on a screen. Jaeger shows them all.
 */
export function demoAttributes(key: string, span: TraceSpan): boolean {
  if (key === 'error.type') return true;
  if (span.kind === 'server') return key === 'http.response.status_code';
  if (span.name.startsWith('eventsource.repository.')) {
    return key === 'eventsource.aggregate.id' || key === 'eventsource.version';
  }
  if (span.name.endsWith('.append_events')) {
    return key === 'eventsource.event.type' || key === 'eventsource.position';
  }
  if (MESSAGING_SPANS.includes(span.name)) {
    return MESSAGING.includes(key);
  }
  if (span.name === 'eventsource.event_bus.dispatch') return key === 'eventsource.handler.count';
  if (span.name === 'eventsource.event_bus.handle') {
    return key === 'eventsource.handler.name' || key === 'eventsource.handler.success';
  }
  return false;
}
