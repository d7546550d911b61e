// Hand-made captures for the tshark comparisons: real MQTT packets (encoded by
// mqtt-packet) laid into TCP segments exactly where we want the cuts.
import mqttPacket from 'mqtt-packet';
import { pcapGlobalHeader, PcapConversationEncoder } from '../../src/capture/pcap-writer.js';

export type Seg = { dir: 'c2s' | 's2c'; bytes: Uint8Array };

export function gen(p: Record<string, unknown>, version = 4): Buffer {
  return mqttPacket.generate(p as unknown as mqttPacket.Packet, { protocolVersion: version });
}

export const CONNECT = (clientId: string, version = 4): Buffer =>
  gen({ cmd: 'connect', protocolId: version === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: version, clientId, clean: true, keepalive: 60 }, version);
export const CONNACK = (version = 4): Buffer => gen({ cmd: 'connack', returnCode: 0, sessionPresent: false, ...(version === 5 ? { reasonCode: 0 } : {}) }, version);
export const PUBLISH = (topic: string, payload: Buffer | string, qos = 0, messageId?: number): Buffer =>
  gen({ cmd: 'publish', topic, payload, qos, retain: false, dup: false, ...(messageId !== undefined ? { messageId } : {}) });
export const DISCONNECT = (): Buffer => gen({ cmd: 'disconnect' });

/**
 * A pcap of one conversation. `handshake: false` leaves out the SYNs (a capture that
 * joins late); `skipC2s` drops that many leading client bytes from the capture.
 */
export function conversation(segs: Seg[], opts: { clientPort?: number; serverPort?: number; handshake?: boolean; skipC2s?: number; t0?: number } = {}): Buffer {
  const enc = new PcapConversationEncoder({ host: '10.0.0.1', port: opts.clientPort ?? 50000 }, { host: '10.0.0.2', port: opts.serverPort ?? 1883 });
  const t0 = opts.t0 ?? 1_700_000_000_000_000;
  const out: Buffer[] = [pcapGlobalHeader()];
  let t = t0;
  const hs = enc.open(t);
  if (opts.handshake !== false) out.push(hs);
  let skip = opts.skipC2s ?? 0;
  for (const s of segs) {
    t += 1000;
    let b = s.bytes;
    const rec = enc.data(s.dir, b, t);
    if (s.dir === 'c2s' && skip > 0) {
      // Drop the whole record from the capture while the encoder keeps counting sequence numbers.
      const take = Math.min(skip, b.length);
      skip -= take;
      if (take === b.length) continue;
      b = b.subarray(take);
      throw new Error('skipC2s must cover whole segments');
    }
    out.push(rec);
  }
  out.push(enc.close(t + 1000));
  return Buffer.concat(out);
}

/** One WebSocket binary frame (RFC 6455 §5.2); client frames are masked. */
export function wsFrame(payload: Uint8Array, masked: boolean): Buffer {
  const len = payload.length;
  const head: number[] = [0x82];
  const m = masked ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else throw new Error('frame too big for this helper');
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), key, body]);
}

export const WS_UPGRADE = Buffer.from('GET /mqtt HTTP/1.1\r\nHost: 10.0.0.2:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n');
export const WS_ACCEPT = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n');
