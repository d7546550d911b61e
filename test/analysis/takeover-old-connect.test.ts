// A session-takeover names the older CONNECT by frame; that record did not list the finding,
// so `finding == "session-takeover"` in a filter and the TUI's ! mark missed the connection
// that was taken over. It is now one of the finding's records while it is held.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('session-takeover marks the older CONNECT', () => {
  it('the taken-over CONNECT lists the finding, as the new CONNECT and CONNACK do', () => {
    const sc = new Scenario();
    const a = sc.client('old');
    const oldCon = a.connect({ clientId: 'sensor-1' });
    a.connack(0);
    const b = sc.client('new');
    const con = b.connect({ clientId: 'sensor-1' });
    const ack = b.connack(0);
    const [f] = sc.findings;
    expect(f!.code).toBe('session-takeover');
    expect(f!.frames).toEqual([oldCon.frame, con.frame, ack.frame]);
    expect(oldCon.findings).toContain('session-takeover');
    expect(con.findings).toContain('session-takeover');
  });
});
