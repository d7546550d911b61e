// "Passwords in CONNECT are masked in every view unless --show-secrets", and so is
// MQTT 5 Authentication Data, and what a malformed CONNECT leaves undecoded: every
// registered view (line, table, json with and without --fields, tree, hex) and the
// --summary rendering, over the same records.
import { describe, expect, it } from 'vitest';
import type { OutputRecord } from '../../src/model/packet.js';
import { createView, renderSummary, SummaryCounter } from '../../src/views/index.js';
import { hex, real } from '../filter/records.js';

/** A length-prefixed string in hex. */
const str = (s: string): string => `${Buffer.from([s.length >> 8, s.length & 255]).toString('hex')}${Buffer.from(s).toString('hex')}`;
const pkt = (h: number, body: string): Uint8Array => {
  const b = hex(body);
  return Uint8Array.from([h, b.length, ...b]);
};
const props = (p: string): string => `${(p.length / 2).toString(16).padStart(2, '0')}${p}`;

// Secrets that appear nowhere else in the records.
const PASSWORD = 'pw-hunter2-secret';
const AUTH_DATA = 'scram-proof-4f2a';
const STRAY_PASSWORD = 'stray-pw-9c1e';

const AUTH_PROPS = props(`15${str('SCRAM-SHA-256')}16${str(AUTH_DATA)}`);

function records(): OutputRecord[] {
  return [
    // 3.1.1 CONNECT with user name and password
    real(pkt(0x10, `${str('MQTT')} 04 c2 00 3c ${str('c1')} ${str('alice')} ${str(PASSWORD)}`), { frame: 1 }),
    // MQTT 5 CONNECT, CONNACK and AUTH with Authentication Data
    real(pkt(0x10, `${str('MQTT')} 05 02 00 3c ${AUTH_PROPS} ${str('c5')}`), { frame: 2, version: 5 }),
    real(pkt(0xf0, `18 ${AUTH_PROPS}`), { frame: 3, version: 5, dir: 's2c' }),
    real(pkt(0x20, `00 00 ${AUTH_PROPS}`), { frame: 4, version: 5, dir: 's2c' }),
    // 3.1.1 CONNECT with a password after the user name but the Password Flag 0
    real(pkt(0x10, `${str('MQTT')} 04 82 00 3c ${str('c2')} ${str('bob')} ${str(STRAY_PASSWORD)}`), { frame: 5 }),
  ];
}

function render(view: string, opts: Record<string, unknown>): string {
  let s = '';
  const v = createView(view, { out: { write: (x: string) => { s += x; } }, ...opts });
  const c = new SummaryCounter();
  for (const r of records()) { v.record(r); c.record(r); }
  v.end(c.toRecord());
  return s + '\n' + renderSummary(c.toRecord());
}

/** Text, hex and spaced hex of each secret. */
function forms(): string[] {
  return [PASSWORD, AUTH_DATA, STRAY_PASSWORD].flatMap((x) => {
    const h = Buffer.from(x).toString('hex');
    return [x, h, h.match(/../g)!.join(' ')];
  });
}

const VIEWS: Array<[string, Record<string, unknown>]> = [
  ['line', {}], ['table', {}], ['json', {}], ['json', { fields: true }], ['tree', {}], ['hex', {}],
];

describe('secrets in every view', () => {
  for (const [view, opts] of VIEWS) {
    it(`${view}${opts['fields'] ? ' --fields' : ''}: masked unless --show-secrets`, () => {
      const out = render(view, opts);
      for (const f of forms()) expect(out, `${f} in the ${view} view`).not.toContain(f);
      expect(out).toContain('********');
    });
  }

  it('with --show-secrets the password is shown by every view', () => {
    for (const [view, opts] of VIEWS) {
      const out = render(view, { ...opts, showSecrets: true });
      // line/table preview the password as text, json as hex, tree as text and hex.
      const pw = Buffer.from(PASSWORD).toString('hex');
      expect(out.includes(PASSWORD) || out.includes(pw) || out.includes(pw.match(/../g)!.join(' ')), `${view}: ${out}`).toBe(true);
    }
    // Authentication Data and the stray password: in the tree (as text and spaced hex), the hex view and json.
    const spaced = (x: string): string => Buffer.from(x).toString('hex').match(/../g)!.join(' ');
    const tree = render('tree', { showSecrets: true });
    expect(tree).toContain(`Authentication Data: "${AUTH_DATA}"`);
    expect(tree).toContain(Buffer.from(STRAY_PASSWORD).toString('hex')); // the Trailing Bytes' value
    const hexView = render('hex', { showSecrets: true });
    for (const x of [AUTH_DATA, STRAY_PASSWORD]) expect(hexView).toContain(spaced(x).slice(0, 12));
    const json = render('json', { fields: true, showSecrets: true });
    for (const x of [AUTH_DATA, STRAY_PASSWORD]) expect(json).toContain(Buffer.from(x).toString('hex'));
  });

  it('the Authentication Method, user name and client ids stay visible', () => {
    const out = render('tree', {});
    expect(out).toContain('Authentication Method: "SCRAM-SHA-256"');
    expect(out).toContain('User Name: "alice"');
    expect(out).toContain('User Name: "bob"');
    expect(render('json', {})).toContain('"authentication_method":"SCRAM-SHA-256","authentication_data":"********"');
  });
});
