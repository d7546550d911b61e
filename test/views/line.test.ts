import { describe, expect, it } from 'vitest';
import { createView, formatFindingLine, formatPacketLine, packetParts, stripAnsi } from '../../src/views/index.js';
import type { OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { gen, T0 } from '../filter/records.js';
import { sampleRecords } from './sample.js';

function render(recs: OutputRecord[], opts: Record<string, unknown> = {}): string {
  let s = '';
  const v = createView('line', { out: { write: (x: string) => { s += x; } }, utc: true, ...opts });
  for (const r of recs) v.record(r);
  v.end();
  return s;
}

describe('line view', () => {
  it('renders the ACL scenario so it reads at a glance', () => {
    const lines = render(sampleRecords()).split('\n');
    expect(lines).toEqual([
      '18:00:01.512 #1    watcher    → CONNECT     MQTT 3.1.1 clean ka=60  len=19',
      '18:00:01.513 #2    watcher    ← CONNACK     sp=0  len=2  rc=0 Connection Accepted',
      '18:00:01.514 #3    watcher    → SUBSCRIBE   id=1  # q0  len=6',
      '18:00:01.515 #4    watcher    ← SUBACK      id=1  len=3  rc=0x00 Granted QoS 0',
      '18:00:01.522 #5    p-deny     → CONNECT     MQTT 3.1.1 clean ka=60 user=user1 pw=********  len=36',
      '18:00:01.523 #6    p-deny     ← CONNACK     sp=0  len=2  rc=0 Connection Accepted',
      '18:00:01.524 #7    p-deny     → PUBLISH     d0 q0 r0  panama/colon/user1  len=25  payload=5 "hello"',
      "18:00:02.024 !! undelivered-publish  #7  p-deny  'panama/colon/user1'",
      "                The broker accepted this QoS 0 publish from user1 but delivered it to none of the 1 subscriber(s) whose filters match (watcher: '#'). With a mosquitto acl_file this is a denied write.",
      '18:00:02.112 #8    p1         → PUBLISH     d0 q1 r0  id=1  Room1/Light  len=22  payload=7 "Turn On"',
      '18:00:02.113 #9    p1         ← PUBACK      id=1  len=4  rc=0x87 Not authorized',
      '18:00:02.212 #10   intruder   ← CONNACK     sp=0  len=2  rc=5 Not authorized',
      '18:00:02.212 !! connect-refused  #10  intruder',
      '                The broker refused the connection of intruder: 5 Not authorized.',
      '18:00:02.312 #11   p1         → PUBLISH     d0 q3 r0  id=5  a  len=7  payload=2 "hi"  ✖ qos-3',
      '',
    ]);
  });

  it('never shows the password unless showSecrets', () => {
    const recs = sampleRecords();
    expect(render(recs)).not.toContain('s3cret-pw');
    expect(render(recs, { showSecrets: true })).toContain('pw="s3cret-pw"');
  });

  it('colours findings (yellow warn, red error) and failures only when asked', () => {
    const recs = sampleRecords();
    const plain = render(recs);
    expect(plain).not.toContain('\x1b[');
    const col = render(recs, { color: true });
    const lines = col.split('\n');
    const warn = lines.find((l) => l.includes('undelivered-publish'))!;
    const err = lines.find((l) => l.includes('connect-refused'))!;
    expect(warn).toContain('\x1b[33m');
    expect(err).toContain('\x1b[31m');
    expect(lines.find((l) => l.includes('PUBACK'))).toContain('\x1b[31mrc=0x87 Not authorized');
    expect(stripAnsi(col)).toBe(plain);
  });

  it('shows times relative to a start time', () => {
    const [first] = sampleRecords() as PacketRecord[];
    expect(formatPacketLine(first!, { relativeTo: T0 - 1_500_000 })).toMatch(/^\+1\.500 #1 /);
  });

  it('labels the client by address when no client id is known', () => {
    const r = gen({ cmd: 'pingreq' }, { clientId: null });
    expect(formatPacketLine(r, { utc: true })).toContain('127.0.0.1:52144 → PINGREQ');
  });

  it('grows the client column to the longest client seen', () => {
    const a = gen({ cmd: 'pingreq' }, { clientId: 'a-rather-long-client' });
    const b = gen({ cmd: 'pingresp' }, { clientId: 'b', dir: 's2c' });
    const [la, lb] = render([a, b]).split('\n');
    expect(la!.indexOf('→')).toBe(lb!.indexOf('←'));
  });

  it('SUBSCRIBE lists filters with QoS; SUBACK failure codes in words', () => {
    const sub = gen({ cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'home/+/temp', qos: 1 }, { topic: 'secret/#', qos: 2 }] });
    const suback = gen({ cmd: 'suback', messageId: 4, granted: [1, 128] }, { dir: 's2c' });
    expect(packetParts(sub).topic).toBe('home/+/temp q1, secret/# q2');
    expect(packetParts(suback).reason).toBe('rc=0x01 Granted QoS 1, 0x80 Failure');
    expect(packetParts(suback).failed).toBe(true);
  });

  it('MQTT 5: reason string and topic alias', () => {
    const ack = gen({ cmd: 'puback', messageId: 2, reasonCode: 0x87, properties: { reasonString: 'ACL denied' } }, { version: 5, dir: 's2c' });
    expect(packetParts(ack).reason).toBe('rc=0x87 Not authorized ("ACL denied")');
    const pub = gen({ cmd: 'publish', topic: 'a/b', payload: Buffer.from([0, 1, 2, 255]), qos: 0, properties: { topicAlias: 3 } }, { version: 5 });
    const x = packetParts(pub);
    expect(x.topic).toBe('a/b (alias 3)');
    expect(x.payload).toBe('payload=4 0x000102ff');
  });

  it('finding lines list their frames', () => {
    const [, , , , , , , f] = sampleRecords();
    expect(formatFindingLine(f as never, { utc: true })).toMatch(/^18:00:02\.024 !! undelivered-publish {2}#7 {2}p-deny {2}'panama\/colon\/user1'\n {16}The broker .*$/);
  });

  it('end() prints a closing line with a summary', () => {
    let s = '';
    const v = createView('line', { out: { write: (x: string) => { s += x; } } });
    v.end({ kind: 'summary', packets: { PUBLISH: 2, CONNECT: 1 }, findings: { 'undelivered-publish': 2 }, connections: 1, clients: ['a'], bytes: 99, extra: {} });
    expect(s).toBe('-- 3 packets, 2 findings (undelivered-publish ×2), 1 connection, 1 client, 99 bytes\n');
  });
});

describe('terminal safety', () => {
  it('control characters from the network are escaped, never sent raw', () => {
    const evil = gen({ cmd: 'publish', topic: 'a/\x1b[2J', payload: Buffer.from('\x1b]0;pwned\x07'), qos: 0 }, { clientId: 'x\x1b[31my' });
    const line = formatPacketLine(evil, { utc: true });
    expect(line).not.toContain('\x1b');
    expect(line).toContain('x\\x1b[31my');
    const f = formatFindingLine({ kind: 'finding', code: 'protocol-violation', severity: 'error', time: T0, conn: 'a:1-b:2', clientId: null, username: null, frames: [], topic: null, text: 'bad \x9b topic', extra: {} });
    expect(f).not.toMatch(/[\x9b\x1b]/);
  });
});
