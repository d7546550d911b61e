// `mqttscope decode HEX|-`: decode one packet or a stream of packets given as hex.
import { parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { Framer } from '../../stream/framer.js';
import { dissect, summarize } from '../../dissect/index.js';
import type { DissectContext, DissectResult, PacketRecord } from '../../model/packet.js';
import type { ConnMeta, Note, ProtocolVersion } from '../../model/types.js';
import { packetTypeName, PACKET_TYPES } from '../../protocol/packet-types.js';
import { renderTree } from '../../views/tree.js';
import { renderHex } from '../../views/hex.js';
import { jsonLine, packetRecordJson } from '../../views/json.js';

export const summary = 'decode packets given as hex';

export const usage = `usage: mqttscope decode HEX|- [--format tree|hex|json] [--protocol-version 3|4|5] [--show-secrets] [--fields]

Decodes one MQTT packet, or a stream of packets, given as hex: spaces, colons,
commas, newlines and 0x prefixes are ignored, so a C array works too
({0x30, 0x2, 0x0, 0x0}; a one-digit item is a byte of its own), and '-' reads
the hex from stdin. Each field is shown with its offset, length, bytes and
meaning, and protocol violations are reported as notes with their spec
reference. A CONNECT sets the protocol version for the packets after it.

Options:
  --format tree|hex|json     tree: field tree then labelled hex dump (default);
                             hex: labelled hex dump only; json: one NDJSON packet record per packet
  --protocol-version 3|4|5   version for packets before any CONNECT (default 4; 5 decodes properties)
  --show-secrets             show passwords, MQTT 5 Authentication Data and the undecoded
                             bytes of a CONNECT, CONNACK or AUTH instead of masking them
  --fields                   needs --format json: add the flat 'fields' array
  -h, --help                 this help

Exit status: 0 decoded cleanly, 1 the input had errors (not hex, or protocol errors;
reported), 2 usage error.

Example (the PUBLISH that mosquitto_pub -t Room1/Light -m "Turn On" sends):
  mqttscope decode 3014000b526f6f6d312f4c696768745475726e204f6e
`;

/** Every option `decode` accepts (each one is in the usage text). */
export const options = {
  format: { type: 'string' },
  'protocol-version': { type: 'string' },
  'show-secrets': { type: 'boolean' },
  fields: { type: 'boolean' },
} as const;

/** A hex dump line: an offset, then bytes (tshark -x, xxd, Wireshark's Copy as Hex Dump). */
const DUMP_LINE = /^\s*[0-9a-f]{4,8}(?::\s*|\s{2,})[0-9a-f]{2}/im;

/**
 * Parse hex text; whitespace, ':' '-' ',' ';', the braces and brackets of an array
 * and 0x prefixes are ignored. Hex digits are read as one stream ("3014 000b" is
 * 30 14 00 0b), except where the separated
 * items are bytes written without their leading zero: every item has one or two
 * digits and a one-digit item comes before the last one or has a 0x prefix
 * ("0x10, 0x1a, 0x0, 0x4", printf '%x ' output "10 1a 0 4"). Such an item is one
 * byte (0x04), not half of one: run together, "10 1a 0 4" would silently become
 * 10 1a 04. A lone last digit ("30 1") stays an error: more likely a cut-off paste.
 */
export function parseHex(text: string): Uint8Array {
  const items = text.split(/[\s:,;\-{}[\]]+/).filter((x) => x.replace(/0x/gi, '').length > 0);
  const digits = items.map((x) => x.replace(/0x/gi, ''));
  const bad = /[^0-9a-fA-F\s:,;\-{}[\]]/.exec(text.replace(/0x/gi, (m) => ' '.repeat(m.length)));
  if (bad) {
    // Where the character is in the input as given (line and column when there are several lines).
    const before = text.slice(0, bad.index);
    const line = before.split('\n').length;
    const col = bad.index - before.lastIndexOf('\n');
    const where = text.includes('\n') ? `line ${line}, column ${col}` : `character ${col}`;
    const nth = before.replace(/0x/gi, '').replace(/[^0-9a-fA-F]/g, '').length + 1;
    const dump = DUMP_LINE.test(text)
      ? '; this looks like a hex dump with offsets and a text column (tshark -x, xxd, Wireshark\'s Copy as Hex Dump): give only the MQTT bytes, e.g. Wireshark\'s Copy \u2192 \u2026as a Hex Stream on the MQ Telemetry Transport line'
      : '';
    throw new CliError(`input: '${bad[0]}' at hex digit ${nth} is not a hex digit (${where} of the input)${dump}`, { code: 'bad-hex', exitCode: 1 });
  }
  const bytewise = digits.length > 1 && digits.every((d) => d.length <= 2)
    && digits.some((d, i) => d.length === 1 && (i < digits.length - 1 || /0x/i.test(items[i]!)));
  const cleaned = bytewise ? digits.map((d) => d.padStart(2, '0')).join('') : digits.join('');
  if (cleaned.length % 2 !== 0) throw new CliError(`input: odd number of hex digits (${cleaned.length}); the last byte is incomplete`, { code: 'bad-hex', exitCode: 1 });
  if (cleaned.length === 0) throw new CliError('input: no hex bytes given', { code: 'bad-hex', exitCode: 1 });
  const out = new Uint8Array(cleaned.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(cleaned.slice(i * 2, i * 2 + 2), 16);
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const PLACEHOLDER_CONN: ConnMeta = {
  id: '0.0.0.0:0-0.0.0.0:0',
  client: { host: '0.0.0.0', port: 0 },
  server: { host: '0.0.0.0', port: 0 },
  transport: 'tcp',
};

export interface DecodedPacket {
  offset: number;
  bytes: Uint8Array;
  record: PacketRecord;
  /** Bytes the framer could not frame as a packet (skipped while resyncing), decoded as far as they go. */
  unframed?: true;
}

/** Frame and decode a byte stream (no I/O). CONNECT sets the version for later packets. */
export function decodeStream(input: Uint8Array, version: ProtocolVersion): { packets: DecodedPacket[]; streamNotes: Note[] } {
  const packets: DecodedPacket[] = [];
  const streamNotes: Note[] = [];
  let ver = version;
  let clientId: string | null = null;
  let username: string | null = null;
  let consumed = 0;
  const aliases = new Map<number, string>();
  const handle = (bytes: Uint8Array, offset: number, unframed = false): void => {
    const ctx: DissectContext = { version: ver, topicAliases: aliases };
    const s = summarize(bytes, ctx);
    if (s.type === 1) {
      // A CONNECT opens a new Network Connection: the Topic Aliases of the one before it
      // are gone (they last only as long as their connection) [MQTT 5.0 §3.3.2.3.4].
      aliases.clear();
    }
    if (s.type === 1 && s.connect) {
      const lvl = s.connect.protocolLevel;
      if (lvl === 3 || lvl === 4 || lvl === 5) ver = lvl;
      clientId = s.connect.clientIdMissing === true ? null : s.connect.clientId;
      username = s.connect.username;
    }
    let topic = s.topic;
    if (s.type === 3 && s.topicAlias !== null) {
      if (topic) aliases.set(s.topicAlias, topic);
      else topic = aliases.get(s.topicAlias) ?? topic;
    }
    // The tree is decoded later: give it the alias this PUBLISH uses, as it stands now.
    const snap: DissectContext = s.type === 3 && s.topicAlias !== null && topic
      ? { version: ver, topicAliases: new Map([[s.topicAlias, topic]]) }
      : { version: ver };
    let tree: DissectResult | null = null;
    const info = PACKET_TYPES[s.type]!;
    const seq = packets.length + 1;
    packets.push({
      offset, bytes, ...(unframed ? { unframed: true as const } : {}),
      record: {
        kind: 'packet', seq, frame: seq, time: 0, conn: PLACEHOLDER_CONN,
        dir: info.direction === 's2c' ? 's2c' : 'c2s',
        clientId, username, version: ver, versionInferred: false,
        bytes, size: bytes.length, summary: s, topic, notes: s.notes, findings: [],
        tree: () => (tree ??= dissect(bytes, snap)),
      },
    });
  };
  const framer = new Framer({
    packet(bytes) {
      // Zero-copy packets are views into input; anything else follows the last one.
      const at = bytes.buffer === input.buffer ? bytes.byteOffset - input.byteOffset : consumed;
      // Bytes the framer skipped (a Remaining Length of more than 4 bytes, then a
      // resync) are decoded too, as far as they go, so the tree explains them.
      if (at > consumed) handle(input.subarray(consumed, at), consumed, true);
      handle(bytes, at);
      consumed = at + bytes.length;
    },
    note(note) { streamNotes.push(note); },
  });
  // One push: the whole input is there, so every packet is a view into it. What is
  // left after the last packet (an incomplete packet, or bytes skipped while
  // resyncing that reach the end) is decoded as far as it goes, so the notes explain it.
  framer.push(input);
  if (consumed < input.length) handle(input.subarray(consumed), consumed, framer.buffered === 0);
  return { packets, streamNotes };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options);
  const format = values.format ?? 'tree';
  if (format !== 'tree' && format !== 'hex' && format !== 'json') throw new UsageError(`--format: expected tree, hex or json, got '${format}'`);
  // --fields only shapes the JSON record; the tree and hex views show every field anyway.
  if (values.fields === true && format !== 'json') {
    throw new UsageError(`--fields needs --format json (it adds the flat 'fields' array to each JSON record); --format ${format} already shows every field`);
  }
  const pv = values['protocol-version'] ?? '4';
  if (pv !== '3' && pv !== '4' && pv !== '5') throw new UsageError(`--protocol-version: expected 3, 4 or 5, got '${pv}'`);
  if (positionals.length === 0) throw new UsageError('missing HEX (or - to read hex from stdin)');
  const text = positionals.length === 1 && positionals[0] === '-' ? await readStdin() : positionals.join(' ');
  const input = parseHex(text);
  const showSecrets = values['show-secrets'] === true;
  const { packets, streamNotes } = decodeStream(input, Number(pv) as ProtocolVersion);
  const out: string[] = [];
  let errors = 0;
  for (const n of streamNotes) {
    if (n.severity === 'error') errors++;
    // decodeStream() decodes what the framer skips: say where to find it.
    const shown = n.code === 'resync' || n.code === 'remaining-length-too-long' ? ' (the bytes it skips are decoded as far as they go, titled "bytes the framer skipped")' : '';
    process.stderr.write(`mqttscope decode: input: ${n.text}${shown}\n`);
  }
  for (const p of packets) {
    const rec = p.record;
    for (const n of rec.notes) if (n.severity === 'error') errors++;
    if (format === 'json') {
      out.push(jsonLine(packetRecordJson(rec, { fields: values.fields === true, showSecrets })));
      continue;
    }
    const t = rec.tree();
    const s = rec.summary;
    const title = `${packets.length > 1 ? `#${rec.seq} ` : ''}${packetTypeName(s.type)}, ${p.bytes.length} byte${p.bytes.length === 1 ? '' : 's'} at input offset ${p.offset}, MQTT ${rec.version === 5 ? '5.0' : rec.version === 4 ? '3.1.1' : '3.1'}${p.unframed ? ' (bytes the framer skipped: decoded as far as they go)' : ''}`;
    if (format === 'tree') {
      out.push(renderTree(p.bytes, t, { showSecrets, title, version: rec.version }));
      out.push('');
      out.push('Hex dump (every byte with its field):');
      out.push(renderHex(p.bytes, t, { showSecrets }));
    } else {
      out.push(title);
      out.push(renderHex(p.bytes, t, { showSecrets }));
      for (const n of t.notes) out.push(`! ${n.severity} ${n.code} at offset ${n.offset ?? 0}: ${n.text}${n.spec ? ` [${n.spec}]` : ''}`);
    }
    out.push('');
  }
  // A reader that goes away early (| head) ends the output, not the program with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`mqttscope decode: cannot write the output: ${err.message}\n`);
  });
  process.stdout.write(out.join('\n') + (out.length && format === 'json' ? '\n' : ''));
  return errors > 0 ? 1 : 0;
}
