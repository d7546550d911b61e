// `mqttscope COMMAND --help` is what a new user reads first. Each statement checked here
// was wrong in the help text while the tool did something else: the help is held to
// what the code does (the config parser, the binary search, the exit status) and to the
// pages that document the same behaviour (docs/user-guide.md, docs/proxy.md).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMosquittoConf } from '../../src/broker/config.js';
import * as broker from '../../src/cli/commands/broker.js';
import * as decode from '../../src/cli/commands/decode.js';
import * as proxy from '../../src/cli/commands/proxy.js';
import * as up from '../../src/cli/commands/up.js';
import { mqttscope } from '../read/run.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GUIDE = readFileSync(join(ROOT, 'docs/user-guide.md'), 'utf8');
const flat = (s: string): string => s.replace(/\s+/g, ' ');

describe('mqttscope broker --help', () => {
  it('names every mosquitto.conf directive that -c applies, as the user guide does', () => {
    // The parser names what it applies in the warning for a directive it ignores.
    const cfg = parseMosquittoConf('persistence true\n', 'm.conf');
    const warning = cfg.warnings.find((w) => w.includes("'persistence' is ignored"))!;
    const list = /applies only ([a-z_, ]+?) and ([a-z_]+),/.exec(warning)!;
    const applied = [...list[1]!.split(', '), list[2]!];
    expect(applied).toContain('max_queued_messages');
    const helpC = flat(/-c, --config FILE([\s\S]*?)--passwd FILE/.exec(broker.usage)![1]!);
    const guideC = /^\| `-c, --config FILE` \|(.*)$/m.exec(GUIDE)![1]!;
    expect(applied.filter((d) => !helpC.includes(d)), 'missing from --help').toEqual([]);
    expect(applied.filter((d) => !guideC.includes(d)), 'missing from docs/user-guide.md').toEqual([]);
  });

  it('does not call a QoS 0 publish in its example acknowledged', () => {
    // A QoS 0 PUBLISH has no acknowledgement in MQTT; mosquitto_pub publishes at QoS 0 unless -q.
    const lines = broker.usage.split('\n').filter((l) => l.includes('mosquitto_pub'));
    expect(lines.length).toBeGreaterThan(0);
    const qos0 = lines.filter((l) => !/ -q [12]\b/.test(l));
    expect(qos0.filter((l) => /acknowledged/.test(l))).toEqual([]);
  });

  it('says where --broker mosquitto looks for the binary, as the code looks', () => {
    const src = readFileSync(join(ROOT, 'src/broker/mosquitto.ts'), 'utf8');
    // findBinary: PATH first, then fixed directories.
    const dirs = [.../process\.env\.PATH[^\]]*\]/.exec(src)![0].matchAll(/'(\/[a-z/]+)'/g)].map((m) => m[1]!);
    expect(dirs.length).toBeGreaterThan(1);
    const text = flat(broker.usage);
    expect(text).toContain('found on PATH');
    for (const d of dirs) expect(text, d).toContain(d);
  });
});

describe('mqttscope proxy --help', () => {
  it('says a sender faster than the decoder is slowed, as docs/proxy.md does', () => {
    const proxyMd = flat(readFileSync(join(ROOT, 'docs/proxy.md'), 'utf8'));
    expect(proxyMd).toContain('a flooding client is slowed to what the decoder can follow');
    const text = flat(proxy.usage);
    expect(text).not.toMatch(/never changes or delays/);
    expect(text).toContain('slowed to the decoder');
  });
});

describe('mqttscope up --help', () => {
  it('does not say --acl is enforced by the bundled broker whatever --broker is', () => {
    const acl = flat(/\n  --acl FILE([\s\S]*?)\n  --passwd FILE/.exec(up.usage)![1]!);
    expect(acl).not.toMatch(/enforced by the bundled broker/);
    expect(acl).toContain('with --broker HOST:PORT it only explains');
    // The user guide says the same of --broker HOST:PORT.
    expect(flat(GUIDE)).toContain('With `--broker HOST:PORT` only `--acl` is taken, to explain');
  });
});

describe('mqttscope decode --help', () => {
  it('its exit status 1 covers input that is not hex, as the command exits', () => {
    const r = mqttscope(['decode', 'zz']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mqttscope decode: input: 'z' at hex digit 1 is not a hex digit/);
    expect(flat(decode.usage)).toMatch(/1 the input had errors \(not hex, or protocol errors; reported\)/);
  });
});

describe('docs/user-guide.md Security defaults', () => {
  it('names the commands that take --max-packet-size, and only those take it', () => {
    const bullet = flat(/- \*\*`--max-packet-size BYTES`\*\* \(([^;]+);/.exec(GUIDE)![1]!);
    const named = [...bullet.matchAll(/`([a-z]+)`/g)].map((m) => m[1]!).sort();
    const specs: Record<string, Record<string, unknown>> = { up: up.options, proxy: proxy.options, broker: broker.options, decode: decode.options };
    const takers = Object.keys(specs).filter((c) => 'max-packet-size' in specs[c]!).sort();
    expect(named).toEqual(takers);
    // read does not take it: a user who passes it there gets "unknown option".
    const r = mqttscope(['read', join(ROOT, 'captures/will.pcap'), '--max-packet-size', '64k']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('mqttscope read: unknown option --max-packet-size');
  });
});
