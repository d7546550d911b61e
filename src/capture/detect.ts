// Is this TCP conversation MQTT, and which side is the client?
// Heuristics look at the first bytes a side sends.
import { decodeVarint } from '../protocol/varint.js';

export type Verdict = 'yes' | 'no' | 'more';

export const DEFAULT_MQTT_PORTS: readonly number[] = [1883];
export const DEFAULT_TLS_PORTS: readonly number[] = [8883];

/**
 * A plausible CONNECT at the start of a stream: type byte 0x10, a valid
 * Remaining Length, protocol name `MQTT` with level 4/5 or `MQIsdp` with level 3
 * [MQTT-3.1.2-1, MQTT-3.1.2-2].
 */
export function looksLikeConnect(b: Uint8Array): Verdict {
  if (b.length === 0) return 'more';
  if (b[0] !== 0x10) return 'no';
  const rl = decodeVarint(b, 1);
  if (rl === 'more') return 'more';
  if (rl === 'invalid') return 'no'; // at most four bytes [MQTT-1.5.5]
  if (rl.value < 10) return 'no';
  const body = rl.next;
  if (b.length < body + 2) return 'more';
  const nameLen = (b[body]! << 8) | b[body + 1]!;
  if (nameLen !== 4 && nameLen !== 6) return 'no';
  if (b.length < body + 2 + nameLen + 1) return 'more';
  const name = String.fromCharCode(...b.subarray(body + 2, body + 2 + nameLen));
  const level = b[body + 2 + nameLen]!;
  if (name === 'MQTT' && (level === 4 || level === 5)) return 'yes';
  if (name === 'MQIsdp' && level === 3) return 'yes';
  return 'no';
}

const MAX_HTTP_HEADER = 16 * 1024;

/** An HTTP upgrade request offering an MQTT WebSocket subprotocol (`mqtt`, `mqttv3.1`). */
export function looksLikeMqttWebSocket(b: Uint8Array): Verdict {
  const prefix = 'GET ';
  for (let i = 0; i < Math.min(prefix.length, b.length); i++) if (b[i] !== prefix.charCodeAt(i)) return 'no';
  if (b.length < prefix.length) return 'more';
  const text = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, MAX_HTTP_HEADER)).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return b.length >= MAX_HTTP_HEADER ? 'no' : 'more';
  for (const line of text.slice(0, end).split('\r\n')) {
    const m = /^sec-websocket-protocol\s*:(.*)$/i.exec(line);
    if (!m) continue;
    const offered = m[1]!.split(',').map((s) => s.trim().toLowerCase());
    if (offered.includes('mqtt') || offered.includes('mqttv3.1')) return 'yes';
  }
  return 'no';
}
