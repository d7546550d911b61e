// A finding about a client with no client id (and no user name) names it by its
// address, as the packet lines of the same client do, not by the connection id.
import { describe, expect, it } from 'vitest';
import { formatFindingLine } from '../../src/views/index.js';

const T0 = Date.UTC(2026, 10, 25, 18, 0, 2, 24) * 1000;

describe('line view: who a finding is about', () => {
  it('no client id: the client address, as on its packet lines', () => {
    const head = formatFindingLine({ kind: 'finding', code: 'protocol-violation', severity: 'error', time: T0, conn: '127.0.0.1:40001-127.0.0.1:1883', clientId: null, username: null, frames: [3], topic: null, text: 'x', extra: {} }, { utc: true }).split('\n')[0]!;
    expect(head).toBe('18:00:02.024 !! protocol-violation  #3  127.0.0.1:40001');
  });
  it('a user name, when there is no client id', () => {
    const head = formatFindingLine({ kind: 'finding', code: 'connect-refused', severity: 'warn', time: T0, conn: '[::1]:40001-[::1]:1883', clientId: '', username: 'user1', frames: [3], topic: null, text: 'x', extra: {} }, { utc: true }).split('\n')[0]!;
    expect(head).toBe('18:00:02.024 !! connect-refused  #3  user1');
  });
  it('IPv6: the bracketed client address', () => {
    const head = formatFindingLine({ kind: 'finding', code: 'protocol-violation', severity: 'error', time: T0, conn: '[::1]:40001-[::1]:1883', clientId: null, username: null, frames: [], topic: null, text: 'x', extra: {} }, { utc: true }).split('\n')[0]!;
    expect(head).toBe('18:00:02.024 !! protocol-violation  [::1]:40001');
  });
});
