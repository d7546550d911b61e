// Who ended a connection: what the capture shows, and what the live broker did.
// A capture only has the FINs of both sides, so the closer is read from the
// packets: a client DISCONNECT [MQTT-3.14.4-1], a broker DISCONNECT (MQTT 5) or a
// refused CONNACK, after which the server closes [MQTT-3.2.2-5].
import { packetTypeName } from '../protocol/packet-types.js';
import type { Answer } from './answer.js';
import type { ConnScript, PacketRef } from './load.js';

export interface CapturedEnd {
  by: 'client' | 'broker' | 'unknown' | 'open';
  /** A sentence for the report, e.g. "the client sent DISCONNECT (capture frame 9)". */
  text: string;
}

/** A CONNACK that refuses the connection (3.1.1 return code ≠ 0, MQTT 5 reason ≥ 0x80). */
export function refusedConnack(a: Answer): boolean {
  const rc = a.reasonCodes?.[0] ?? 0;
  return a.type === 2 && rc !== 0;
}

export function capturedEnd(s: ConnScript): CapturedEnd {
  const last = s.lastSent;
  if (last && last.type === 14) return { by: 'client', text: `the client sent DISCONNECT (capture frame ${last.frame}) and closed it` };
  if (s.brokerDisconnectFrame !== null) return { by: 'broker', text: `the broker sent DISCONNECT (capture frame ${s.brokerDisconnectFrame}) and closed it` };
  if (s.refusedConnackFrame !== null) return { by: 'broker', text: `the broker refused the CONNECT (capture frame ${s.refusedConnackFrame}) and closed it` };
  if (s.close) return { by: 'unknown', text: `the connection ended (${s.close.how === 'reset' ? 'RST' : 'FIN'}) without a DISCONNECT` };
  return { by: 'open', text: 'the connection was still open at the end of the capture' };
}

/** The live broker closed the connection before the replayed client was done with it. */
export interface BrokerClose {
  how: 'fin' | 'reset';
  /** Milliseconds after the replayed connection was opened. */
  afterMs: number;
  /** Script packets written before the close was seen. */
  afterSent: number;
}

/** A written packet, as the report names it. */
export interface WrittenRef extends PacketRef {
  errors: string[];
}

/**
 * What a connection's report about a close needs from the play, kept as it goes
 * (the packets themselves are let go once written).
 */
export interface PlayTrail {
  /** The last packet written. */
  lastWritten: WrittenRef | null;
  /** The first written packet the decoder flagged with an error. */
  firstFlagged: WrittenRef | null;
  /** Packets not written because the broker had closed the connection: the first 3, and how many. */
  unsent: PacketRef[];
  unsentCount: number;
}

export function newTrail(): PlayTrail {
  return { lastWritten: null, firstFlagged: null, unsent: [], unsentCount: 0 };
}

/** Report text for a close by the live broker, or null when it matches the capture. */
export function describeBrokerClose(s: ConnScript, live: BrokerClose | null, wasClosedByUs: boolean, trail: PlayTrail): string | null {
  const cap = capturedEnd(s);
  const n = s.sentCount;
  if (live) {
    const unsent = trail.unsent;
    if (trail.unsentCount === 0 && cap.by !== 'client' && cap.by !== 'open') return null;
    const last = live.afterSent > 0 ? trail.lastWritten : null;
    const flagged = (p: WrittenRef): string => (p.errors.length > 0 ? `, flagged ${p.errors.join(', ')}` : '');
    const where = last
      ? `after packet ${live.afterSent} of ${n} (${packetTypeName(last.type)}, capture frame ${last.frame}${flagged(last)})`
      : 'before any packet was sent';
    // The broker may have acted on an earlier packet it rejected: point at the first one flagged.
    const suspect = trail.firstFlagged !== null && trail.firstFlagged !== last ? trail.firstFlagged : null;
    const hint = suspect ? `; capture frame ${suspect.frame} (${packetTypeName(suspect.type)}${flagged(suspect)}) was sent before` : '';
    const notSent = trail.unsentCount > 0
      ? `; not sent: ${unsent.map((p) => `${packetTypeName(p.type)} (capture frame ${p.frame})`).join(', ')}${trail.unsentCount > 3 ? ` and ${trail.unsentCount - 3} more` : ''}`
      : '';
    return `the broker closed the connection (${live.how === 'reset' ? 'RST' : 'FIN'}) ${live.afterMs} ms after it was opened, ${where}${hint}${notSent}; in the capture ${cap.text}`;
  }
  if (cap.by === 'broker' && wasClosedByUs) return `in the capture ${cap.text}; now the broker kept the connection open until the replay closed it`;
  return null;
}
