// MQTT 3.1.1 packet builders shared by the benchmarks (not a benchmark itself:
// bench/run.mjs runs only *.bench.mjs). Needs `npx tsc -p .` first.
import { encodeVarint } from '../dist/protocol/varint.js';

export function str(s) { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]); }
export function packet(first, body) { return Buffer.concat([Buffer.from([first]), encodeVarint(body.length), body]); }
export function connectPacket(id) {
  return packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str(id)]));
}
export function publishPacket(topic, payload, qos = 0, pid = 1) {
  const parts = [str(topic)];
  if (qos) parts.push(Buffer.from([pid >> 8, pid & 255]));
  parts.push(payload);
  return packet(0x30 | (qos << 1), Buffer.concat(parts));
}
export function subscribePacket(filter, qos, pid = 1) {
  return packet(0x82, Buffer.concat([Buffer.from([pid >> 8, pid & 255]), str(filter), Buffer.from([qos])]));
}
export const connackPacket = Buffer.from([0x20, 2, 0, 0]);
export function subackPacket(qos, pid = 1) { return Buffer.from([0x90, 3, pid >> 8, pid & 255, qos]); }
export function pubackPacket(pid) { return Buffer.from([0x40, 2, pid >> 8, pid & 255]); }
export const disconnectPacket = Buffer.from([0xe0, 0]);
