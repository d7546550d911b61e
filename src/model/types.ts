// Shared vocabulary of the engine. Every layer (stream, dissect, analysis, views)
// speaks these types; nothing in here touches sockets, files or timers.

export type Severity = 'info' | 'warn' | 'error';

/** A protocol or stream problem attached to a field, a packet or a connection. */
export interface Note {
  severity: Severity;
  /** Stable kebab-case code, e.g. `reserved-flags`, `qos-3`, `trailing-bytes`. */
  code: string;
  /** One sentence a person can act on. */
  text: string;
  /** Spec conformance reference such as `MQTT-3.3.1-4`, when one applies. */
  spec?: string;
  /** Byte offset inside the packet where the problem is, when known. */
  offset?: number;
}

export type FieldValue = number | string | boolean | null;

/** One node of the annotated field tree. Offsets are relative to the packet's first byte. */
export interface Field {
  /** Stable dotted id: Wireshark's MQTT names where they exist (`mqtt.hdrflags`, `mqtt.len`). */
  id: string;
  label: string;
  offset: number;
  length: number;
  value: FieldValue;
  /** Human display of the value, e.g. `3 (PUBLISH)` or `"Room1/Light"`. */
  display: string;
  /** For bit fields: the mask within the parent byte(s). */
  mask?: number;
  children?: Field[];
  notes?: Note[];
}

export type Direction = 'c2s' | 's2c';
export type ProtocolVersion = 3 | 4 | 5;

export interface Endpoint {
  host: string;
  port: number;
}

/** Identity of one TCP (or TLS/WebSocket) conversation between a client and a broker. */
export interface ConnMeta {
  /** `CLIENTIP:PORT-SERVERIP:PORT` (IPv6 hosts in brackets). */
  id: string;
  client: Endpoint;
  server: Endpoint;
  transport: 'tcp' | 'tls' | 'ws' | 'wss';
}

export function endpointString(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

export function connId(client: Endpoint, server: Endpoint): string {
  return `${endpointString(client)}-${endpointString(server)}`;
}
