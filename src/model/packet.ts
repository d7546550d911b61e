import type { ConnMeta, Direction, Field, Note, ProtocolVersion, Severity } from './types.js';

/** One subscription request inside SUBSCRIBE. Options other than qos are MQTT 5 only. */
export interface SubscriptionRequest {
  filter: string;
  qos: number;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
}

export interface WillInfo {
  topic: string;
  payload: Uint8Array;
  qos: number;
  retain: boolean;
  properties: Record<string, unknown> | null;
}

export interface ConnectInfo {
  protocolName: string;
  protocolLevel: number;
  cleanSession: boolean;
  keepAlive: number;
  clientId: string;
  /** True when the packet ended (or was malformed) before its Client Identifier: `clientId` is then '' but unknown. */
  clientIdMissing?: boolean;
  username: string | null;
  /** The password as sent (views mask it unless --show-secrets). null when absent. */
  password: Uint8Array | null;
  will: WillInfo | null;
}

/**
 * The cheap part of a decode: everything analysis and the one-line views need,
 * computed without building the field tree.
 */
export interface PacketSummary {
  /** Control packet type 0..15 (0 is reserved/invalid). */
  type: number;
  /** Low nibble of byte 1. */
  flags: number;
  dup: boolean;
  qos: number;
  retain: boolean;
  remainingLength: number;
  /** Bytes of the fixed header: 1 + the Remaining Length varint. */
  headerLength: number;
  packetId: number | null;
  /** PUBLISH topic as sent (may be empty when a topic alias is used). */
  topic: string | null;
  topicAlias: number | null;
  /** Offset of the application payload in the packet bytes, or -1. */
  payloadOffset: number;
  payloadLength: number | null;
  /** Reason / return codes where the packet has them (CONNACK, PUBACK..., SUBACK, UNSUBACK, DISCONNECT, AUTH). */
  reasonCodes: number[] | null;
  /** Decoded MQTT 5 properties keyed by snake_case name; user_property as [key, value][]. */
  properties: Record<string, unknown> | null;
  connect?: ConnectInfo;
  connack?: { sessionPresent: boolean; returnCode: number };
  subscriptions?: SubscriptionRequest[];
  unsubscriptions?: string[];
  /**
   * Topic filters of a SUBSCRIBE/UNSUBSCRIBE, or reason codes of a SUBACK/UNSUBACK,
   * counted but not in the list (`subscriptions`/`unsubscriptions`/`reasonCodes`
   * keep the first 10,000); absent when everything is listed.
   */
  filtersNotListed?: number;
  /** Protocol violations found while summarising. */
  notes: Note[];
}

/** Per-connection, per-direction decoding context. The engine owns and updates it. */
export interface DissectContext {
  version: ProtocolVersion;
  /** Topic aliases established in this direction (MQTT 5). */
  topicAliases?: Map<number, string>;
  /**
   * Who sent the packet, when known (the engine knows; a lone packet given to
   * `decode` does not). MQTT 5 states some rules per sender: Packet Identifier 0
   * on a client's PUBLISH breaks [MQTT-2.2.1-3], on a server's [MQTT-2.2.1-4].
   */
  dir?: Direction;
}

/** The full annotated decode of one packet. */
export interface DissectResult {
  fields: Field[];
  notes: Note[];
}

export interface PacketRecord {
  kind: 'packet';
  /** 1-based running number of the packet in this engine. */
  seq: number;
  /** Capture frame number of the segment that completed the packet (live: same as seq). */
  frame: number;
  /** Microseconds since the Unix epoch. */
  time: number;
  conn: ConnMeta;
  dir: Direction;
  clientId: string | null;
  username: string | null;
  version: ProtocolVersion;
  /** True when no CONNECT was seen and the version was guessed from later packets. */
  versionInferred: boolean;
  /** Exact bytes of the packet, fixed header included. */
  bytes: Uint8Array;
  /** bytes.length, without touching `bytes` (the engine creates that view on first use). */
  size: number;
  /**
   * The buffer the packet was framed in and where in it the packet starts:
   * `bytes` without making a view (the buffer may hold other packets too).
   * Records made elsewhere than the Engine may leave them out; use `bytes` then.
   */
  chunk?: Uint8Array;
  chunkOffset?: number;
  summary: PacketSummary;
  /** The real topic after resolving a topic alias (equals summary.topic otherwise). */
  topic: string | null;
  notes: Note[];
  /** Codes of findings that involve this packet (filled in by analysis). */
  findings: string[];
  /** Full field tree, built on first call and memoised. */
  tree(): DissectResult;
}

export type FindingCode =
  | 'connect-refused'
  | 'publish-rejected'
  | 'subscribe-rejected'
  | 'undelivered-publish'
  | 'withheld-delivery'
  | 'qos-flow-incomplete'
  | 'protocol-violation'
  | 'keepalive-timeout'
  | 'will-published'
  | 'session-takeover'
  | 'stream-gap';

export interface Finding {
  kind: 'finding';
  code: FindingCode;
  severity: Severity;
  /** Microseconds since the Unix epoch, when the finding was raised. */
  time: number;
  conn: string;
  clientId: string | null;
  username: string | null;
  /** Frame numbers of the packets involved. */
  frames: number[];
  topic: string | null;
  text: string;
  /** Code-specific fields, emitted as-is in JSON (snake_case keys). */
  extra: Record<string, unknown>;
}

export interface SummaryRecord {
  kind: 'summary';
  packets: Record<string, number>;
  findings: Record<string, number>;
  connections: number;
  clients: string[];
  bytes: number;
  /** Anything else a summary view wants (per topic, per client, flows table). */
  extra: Record<string, unknown>;
}

export type OutputRecord = PacketRecord | Finding;

/**
 * The findings list of a record with none: shared and frozen, so a record costs no
 * array until a finding involves it. Add codes with markFinding(), never push().
 */
export const NO_FINDINGS: string[] = Object.freeze([]) as unknown as string[];

/** Note that finding `code` involves this packet (once per code). */
export function markFinding(rec: PacketRecord, code: string): void {
  const f = rec.findings;
  if (f.includes(code)) return;
  if (Object.isFrozen(f)) rec.findings = [code];
  else f.push(code);
}
