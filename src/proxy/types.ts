import type { CloseHow, EngineOptions, Engine } from '../engine/engine.js';
import type { OutputRecord } from '../model/packet.js';
import type { ConnMeta, Direction, Endpoint } from '../model/types.js';
import type { DecodeScheduleOptions } from './decode-tap.js';

/**
 * Something that watches the forwarded bytes of every proxied connection
 * (the engine, the pcap writer). Called after the bytes were written onward;
 * a tap that throws is isolated per connection and never affects forwarding.
 */
export interface ConnectionTap {
  open(meta: ConnMeta, time: number): void;
  data(id: string, dir: Direction, chunk: Uint8Array, time: number): void;
  /** The side sending in `dir` half-closed (its FIN was passed on); the other side may go on sending. */
  end?(id: string, dir: Direction, time: number): void;
  /** `by`: the side that closed (or reset) first, when known. */
  close(id: string, time: number, how: CloseHow, by?: Direction): void;
}

export interface ProxyOptions {
  /** Where clients connect (plain TCP, or TLS when `tls` is set). Port 0 picks a free port. */
  listen: Endpoint;
  /** The broker. */
  upstream: Endpoint;
  /** Speak TLS to the broker, trusting `ca` (PEM). */
  upstreamTls?: { ca?: string | Buffer; servername?: string; rejectUnauthorized?: boolean };
  /** Terminate TLS from clients with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Also accept MQTT over WebSocket (subprotocol `mqtt`) here. */
  wsListen?: Endpoint;
  /** Every packet record and finding the engine produces. */
  onRecord: (rec: OutputRecord) => void;
  /** Engine options (observers such as the Analyzer, defaultVersion). */
  engineOpts?: Omit<EngineOptions, 'onRecord' | 'maxPacketSize'>;
  /** Client bytes held while the broker connection is being set up; past this the client is paused until it is. Default 1 MiB. */
  maxBufferedBytes?: number;
  /**
   * Client bytes all connections together may hold while their broker connections are
   * being set up; past it, a client that sends more is paused until its own broker
   * connection is up (nothing is dropped). Default 64 MiB.
   */
  maxHeldBytesTotal?: number;
  /** Largest packet decoded (larger ones are forwarded, not decoded). Default 16 MiB. */
  maxPacketSize?: number;
  /**
   * Bytes of unfinished WebSocket messages all WebSocket clients together may make the
   * proxy hold; past it, a client whose unfinished message passes 64 KiB is closed. Default 256 MiB.
   */
  maxWsUnfinishedBytes?: number;
  /** Clock in microseconds since the epoch. */
  now?: () => number;
  /** Extra byte watchers (the pcap writer). They see each chunk before the decoder does. */
  taps?: ConnectionTap[];
  /**
   * Frame number of the last frame written for the chunk just seen (the pcap writer's),
   * so live records and findings carry the frame numbers Wireshark shows for the file.
   */
  frameSource?: () => number;
  /**
   * A TLS client must finish its handshake within this many milliseconds, or it is
   * closed (with one log line). The broker's TLS handshake (upstreamTls) too: past it the
   * attempt fails and its client is closed. Default 10 000.
   */
  tlsHandshakeTimeoutMs?: number;
  /** One-line diagnostics (upstream refused, TLS handshake failed). Default: stderr. */
  log?: (line: string) => void;
  /**
   * How decoding shares the thread with forwarding: the longest stretch of decoding
   * between turns of the event loop, and the queued bytes past which a sender is
   * paused until the decoder catches up (src/proxy/decode-tap.ts; defaults suit most uses).
   */
  decodeSchedule?: DecodeScheduleOptions;
}

export interface ProxyConnectionInfo {
  id: string;
  transport: ConnMeta['transport'];
  /** Client bytes waiting for the upstream connection. */
  held: number;
  /** Bytes queued towards the broker / the client. */
  bufferedToUpstream: number;
  bufferedToClient: number;
  bytesC2S: number;
  bytesS2C: number;
  /** The client / the broker is paused until the time-boxed decoder catches up with what it sent (docs/proxy.md). */
  clientPausedForDecoder: boolean;
  brokerPausedForDecoder: boolean;
}

export interface ProxyStats {
  accepted: number;
  active: number;
  bytesC2S: number;
  bytesS2C: number;
  /** Connections whose decoding was stopped after a decoder error. */
  decodeFailures: number;
  upstreamFailures: number;
  /** Client bytes that arrived before their upstream connection was up (held, then forwarded). */
  heldBytes: number;
  /** Forwarded bytes waiting to be decoded (the decoder runs in time-boxed slices). */
  decodeQueuedBytes: number;
  /** Most bytes that have waited to be decoded at once. */
  decodeQueuedPeak: number;
}

export interface ProxyHandle {
  /** The bound listen address (port resolved when 0 was asked for). */
  address: Endpoint;
  port: number;
  wsAddress: Endpoint | null;
  wsPort: number | null;
  engine: Engine;
  /**
   * Advance the analysis clock (µs), after the events the decoder has not reached yet.
   * Never throws: an analysis that fails in its tick is reported through `log`
   * (`analysis tick failed: ...`), now or when the queue reaches the tick.
   */
  tick(time: number): void;
  stats(): ProxyStats;
  connections(): ProxyConnectionInfo[];
  /** Stop listening, close every proxied connection (both sides) and record the closes. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_PACKET_SIZE = 16 * 1024 * 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
export const DEFAULT_MAX_HELD_BYTES_TOTAL = 64 * 1024 * 1024;
export const DEFAULT_MAX_WS_UNFINISHED_BYTES = 256 * 1024 * 1024;
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
