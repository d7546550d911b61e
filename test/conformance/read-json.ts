// Read a capture the way `mqttscope read --format json --fields --show-secrets`
// does (capture reader → Engine → packet JSON), in-process, returning the records.
import { Engine } from '../../src/engine/engine.js';
import { readCaptureFile } from '../../src/capture/read-capture.js';
import { packetToJson } from '../../src/views/packet-json.js';
import type { JsonPacket } from './suricata-map.js';

export async function readJson(path: string, ports: number[] = []): Promise<{ packets: JsonPacket[]; hadErrors: boolean }> {
  const packets: JsonPacket[] = [];
  const engine = new Engine({
    onRecord: (rec) => {
      if (rec.kind === 'packet') packets.push(JSON.parse(JSON.stringify(packetToJson(rec, { fields: true, showSecrets: true }))) as JsonPacket);
    },
  });
  const res = await readCaptureFile(path, { engine, ports });
  return { packets, hadErrors: res.hadErrors };
}
