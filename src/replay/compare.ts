// Compare the broker's answers now with the ones in the capture. Answers are
// matched by type + packet id (PUBLISH deliveries by topic), and by order of
// occurrence among equal keys, which is how CONNACK, SUBACK and PINGRESP pair up.
// The broker picks the ids of its own deliveries, so its PUBRELs (which carry
// them) are matched by the delivery they release instead.
import { packetTypeName } from '../protocol/packet-types.js';
import { reasonName } from '../protocol/reason-codes.js';
import { answerLabel, type Answer } from './answer.js';
import { DeliveryTracker } from './deliveries.js';

export interface Difference {
  /**
   * changed/missing/extra: answers; closed: the broker closed the connection
   * (or did not) unlike in the capture; late/not-sent: a client ack whose
   * delivery came late or never.
   */
  kind: 'changed' | 'missing' | 'extra' | 'closed' | 'late' | 'not-sent';
  /** Captured frame (changed/missing/late/not-sent). */
  frame: number | null;
  text: string;
}

/** Matching keys of a connection's answers, in order. */
function keys(list: readonly Answer[]): string[] {
  const deliveries = new DeliveryTracker();
  return list.map((a) => {
    if (a.type === 3) {
      if (a.qos > 0 && a.packetId !== null) deliveries.publish(a.topic ?? '', a.qos, a.packetId);
      return `3|${a.topic ?? ''}`;
    }
    if (a.type === 6 && a.packetId !== null) {
      const d = deliveries.pubrel(a.packetId);
      if (d) return `6|delivery ${d.key}#${d.ordinal}`;
    }
    if (a.packetId !== null) return `${a.type}|${a.packetId}`;
    return String(a.type);
  });
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** PUBACK…PUBCOMP and DISCONNECT may omit a success reason code (MQTT 5 §3.4.2.1). */
function codes(a: Answer): number[] {
  if (a.reasonCodes && a.reasonCodes.length > 0) return a.reasonCodes;
  return a.type >= 4 && a.type <= 7 || a.type === 14 ? [0] : [];
}

/**
 * A reason/return code with its spec name, e.g. `0x87 Not authorized`. A code
 * that is not valid in the answer's version says so; an MQTT 3.1.1 return code
 * in a CONNACK to an MQTT 5 CONNECT is named as 3.1.1 names it (a broker that
 * does not speak MQTT 5 answers 0x01, unacceptable protocol version).
 */
function codeText(type: number, code: number, version: number): string {
  const name = reasonName(type, code, version);
  if (name !== undefined) return `${hex(code)} ${name}`;
  // Before MQTT 5 only CONNACK and SUBACK carry codes; the others' implied success stays bare.
  if (version < 5 && type !== 2 && type !== 9) return hex(code);
  const v4 = type === 2 && version === 5 ? reasonName(type, code, 4) : undefined;
  if (v4 !== undefined) {
    return `${hex(code)} (not an MQTT 5 reason code; as MQTT 3.1.1: ${v4}${code === 1 ? ', so the broker does not speak MQTT 5' : ''})`;
  }
  return `${hex(code)} (not a valid ${packetTypeName(type)} code in MQTT ${version === 5 ? '5.0' : version === 3 ? '3.1' : '3.1.1'})`;
}

function sameBytes(x: Uint8Array | null, y: Uint8Array | null): boolean {
  if (x === null || y === null) return x === y;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function compareOne(was: Answer, now: Answer): string[] {
  const out: string[] = [];
  const name = packetTypeName(was.type);
  if (was.type === 2) {
    const a = codes(was)[0], b = codes(now)[0];
    if (a !== b) {
      const at = a === undefined ? 'none' : codeText(2, a, was.version);
      const bt = b === undefined ? 'none' : codeText(2, b, now.version);
      out.push(`CONNACK ${at} in the capture, ${bt} now`);
    }
    if (was.sessionPresent !== now.sessionPresent) {
      out.push(`CONNACK session present ${was.sessionPresent ? 1 : 0} in the capture, ${now.sessionPresent ? 1 : 0} now`);
    }
    return out;
  }
  if (was.type === 3) {
    const what = `PUBLISH '${was.topic ?? ''}'`;
    if (was.qos !== now.qos) out.push(`${what} QoS ${was.qos} → ${now.qos}`);
    if (was.retain !== now.retain) out.push(`${what} retain ${was.retain ? 1 : 0} → ${now.retain ? 1 : 0}`);
    if (!sameBytes(was.payload, now.payload)) {
      out.push(`${what} payload differs (${was.payload?.length ?? 0} bytes in the capture, ${now.payload?.length ?? 0} now)`);
    }
    return out;
  }
  const a = codes(was), b = codes(now);
  if (a.join(',') !== b.join(',')) {
    const id = was.packetId !== null ? ` id ${was.packetId}` : '';
    const wasText = a.map((c) => codeText(was.type, c, was.version));
    const nowText = b.map((c) => codeText(was.type, c, now.version));
    if (was.type === 9) out.push(`SUBACK${id} granted [${wasText.join(', ')}] → [${nowText.join(', ')}]`);
    else if (a.length <= 1 && b.length <= 1) out.push(`${name}${id} reason ${wasText[0] ?? 'none'} → ${nowText[0] ?? 'none'}`);
    else out.push(`${name}${id} reasons [${wasText.join(', ')}] → [${nowText.join(', ')}]`);
  }
  return out;
}

/** Differences between captured answers and the answers received now. */
export function compareAnswers(captured: readonly Answer[], received: readonly Answer[]): Difference[] {
  const pending = new Map<string, Answer[]>();
  const receivedKeys = keys(received);
  received.forEach((r, i) => {
    const k = receivedKeys[i]!;
    const list = pending.get(k);
    if (list) list.push(r);
    else pending.set(k, [r]);
  });
  const capturedKeys = keys(captured);
  const diffs: Difference[] = [];
  for (const [i, was] of captured.entries()) {
    const now = pending.get(capturedKeys[i]!)?.shift();
    if (!now) {
      diffs.push({ kind: 'missing', frame: was.frame, text: `${answerLabel(was)} (capture frame ${was.frame}) was not sent now` });
      continue;
    }
    for (const t of compareOne(was, now)) diffs.push({ kind: 'changed', frame: was.frame, text: `${t} (capture frame ${was.frame})` });
  }
  const extra: Answer[] = [];
  for (const list of pending.values()) extra.push(...list);
  extra.sort((x, y) => x.time - y.time);
  for (const now of extra) diffs.push({ kind: 'extra', frame: null, text: `${answerLabel(now)} sent now, not in the capture` });
  return diffs;
}
