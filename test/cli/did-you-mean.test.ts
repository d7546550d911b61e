// A mistyped command, option or lab name is a usage error (exit 2) on one line that
// names what was written and, when it is a likely typo, what was probably meant.
import { describe, expect, it } from 'vitest';
import { closest } from '../../src/cli/args.js';
import { mqttscope } from '../read/run.js';

describe('closest (the did-you-mean guess)', () => {
  it('swapped, missing, extra and wrong letters; a unique start of a name', () => {
    const commands = ['up', 'proxy', 'broker', 'read', 'decode', 'replay', 'acl', 'lab', 'cert'];
    expect(closest('raed', commands)).toBe('read');
    expect(closest('replya', commands)).toBe('replay');
    expect(closest('dcode', commands)).toBe('decode');
    expect(closest('proxxy', commands)).toBe('proxy');
    expect(closest('sum', ['summary', 'filter'])).toBe('summary');
  });
  it('no guess for a word that is not near any name', () => {
    expect(closest('foo', ['up', 'proxy', 'read'])).toBeUndefined();
    expect(closest('no', ['no-color', 'no-timestamps'])).toBeUndefined();
  });
});

describe('the CLI names the likely typo', () => {
  it('an unknown command: one line with did you mean, exit 2, no full usage dump', () => {
    const r = mqttscope(['raed', 'captures/acl.pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mqttscope: unknown command 'raed'; did you mean 'read'?");
    expect(r.stderr).not.toContain('Commands:');
  });
  it('an unknown command that is no typo lists the commands on that line', () => {
    const r = mqttscope(['foo']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mqttscope: unknown command 'foo'; the commands are up, proxy, broker, read, decode, replay, acl, lab, cert");
  });
  it('an unknown option: did you mean the option of that command', () => {
    const r = mqttscope(['up', '--lisen', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('mqttscope up: unknown option --lisen; did you mean --listen?');
    const l = mqttscope(['lab', '--lsit']);
    expect(l.code).toBe(2);
    expect(l.stderr.split('\n')[0]).toBe('mqttscope lab: unknown option --lsit; did you mean --list?');
  });
  it('an unknown lab: did you mean the lab', () => {
    const r = mqttscope(['lab', 'qso']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mqttscope lab: unknown lab 'qso'; did you mean 'qos'? (the labs: qos, retained, will, session, acl, remaining-length)");
  });
});

describe('a capture file or a hex packet given without its command', () => {
  it('a capture file: did you mean mqttscope read FILE', () => {
    const r = mqttscope(['captures/acl.pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mqttscope: unknown command 'captures/acl.pcap'; did you mean 'mqttscope read captures/acl.pcap'?");
  });
  it('hex bytes: did you mean mqttscope decode HEX; a word made of hex letters only is not taken for one', () => {
    const r = mqttscope(['c000']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mqttscope: unknown command 'c000'; did you mean 'mqttscope decode c000'?");
    expect(mqttscope(['face']).stderr.split('\n')[0]).toMatch(/the commands are /);
  });
});
