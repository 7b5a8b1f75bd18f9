import { InvalidArgumentError } from '../errors.ts';
import type { DomainEvent } from '../events/domain-event.ts';
import type { EventRegistry } from '../events/event-registry.ts';
import { decodeEvent, encodeEvent } from '../events/serialization.ts';
import { eventHeaders } from './bus-headers.ts';
import { eventsourcePyWireFormat } from './wire-formats/eventsource-py.ts';

/**
 * How events look on a broker: the message value and the headers that describe the event. Every
 * bus encodes and decodes through one, so a bus can speak another library's format (eventsource-py)
 * without changing anything else. Trace headers are not the format's business: the publisher adds
 * `traceparent`/`tracestate` of each event's own span.
 */
export interface WireFormat {
  readonly name: string;
  encode(event: DomainEvent): { readonly value: string; readonly headers: Record<string, string> };
  /**
   * The event in a message. Throws `SerializationError` when the message is not an event of this
   * format and `EventTypeNotFoundError` when its type is not registered.
   */
  decode(value: string, header: (name: string) => string | undefined, registry: EventRegistry): DomainEvent;
}

export type WireFormatName = 'eventsource-ts' | 'eventsource-py';

/** This library's envelope: one JSON object with the payload under `data`, parsed once. */
export const eventsourceTsWireFormat: WireFormat = {
  name: 'eventsource-ts',
  encode: (event) => ({ value: encodeEvent(event), headers: eventHeaders(event) }),
  decode: (value, _header, registry) => decodeEvent(value, registry),
};

/** The formats a `wireFormat` option can name; any other format is passed as an object. */
const formats: ReadonlyMap<string, WireFormat> = new Map([
  [eventsourceTsWireFormat.name, eventsourceTsWireFormat],
  [eventsourcePyWireFormat.name, eventsourcePyWireFormat],
]);

/** The format an option names, or the default; an unknown name is an {@link InvalidArgumentError}. */
export function resolveWireFormat(option: WireFormatName | WireFormat | undefined): WireFormat {
  if (option === undefined) return eventsourceTsWireFormat;
  if (typeof option === 'object') {
    if (typeof option.encode !== 'function' || typeof option.decode !== 'function')
      throw new InvalidArgumentError('wireFormat must have encode() and decode()');
    return option;
  }
  const format = formats.get(option);
  if (format === undefined)
    throw new InvalidArgumentError(
      `wireFormat must be one of ${[...formats.keys()].map((name) => `"${name}"`).join(', ')} or a WireFormat, got ${String(option)}`,
    );
  return format;
}
