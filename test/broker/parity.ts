// The two brokers the parity tests run the same cases against: the bundled broker and
// a real mosquitto 2.0 (mosquitto missing = failure, never a skip), each started with
// the same password and acl files.
import { expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/index.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { RawClient, type ConnectFields } from './raw-client.js';

interface Peer { port: number; close(): Promise<void> }
export interface Setup { passwd?: string; acl?: string; allowAnonymous: boolean }
export type Start = (s: Setup) => Promise<Peer>;
export type Open = (c: ConnectFields) => Promise<RawClient>;

/** The setup's password and acl files, written to a fresh directory. */
export function files(s: Setup): { passwd?: string; acl?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mqttscope-parity-'));
  const out: { passwd?: string; acl?: string } = {};
  if (s.passwd !== undefined) writeFileSync(out.passwd = join(dir, 'passwd'), s.passwd);
  if (s.acl !== undefined) writeFileSync(out.acl = join(dir, 'acl'), s.acl);
  return out;
}

export const BROKERS: Array<[string, Start]> = [
  ['bundled broker (aedes)', (s) => {
    const f = files(s);
    return startBroker({ port: 0, passwd: f.passwd ?? null, acl: f.acl ?? null, allowAnonymous: s.allowAnonymous });
  }],
  ['mosquitto 2.0', (s) => {
    const f = files(s);
    return startTestMosquitto({ ...(f.passwd ? { passwdFile: f.passwd } : {}), ...(f.acl ? { aclFile: f.acl } : {}), allowAnonymous: s.allowAnonymous });
  }],
];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Start the broker with `setup`, run `body` with a client opener, then close every client and the broker. */
export async function withBroker(start: Start, setup: Setup, body: (open: Open) => Promise<void>): Promise<void> {
  const peer = await start(setup);
  const clients: RawClient[] = [];
  const open = async (c: ConnectFields): Promise<RawClient> => {
    const rc = await RawClient.open(peer.port, c);
    clients.push(rc);
    return rc;
  };
  try {
    await body(open);
  } finally {
    for (const c of clients) c.destroy();
    await peer.close();
  }
}

/** A connected client (CONNACK 0 asserted). */
export async function online(open: Open, c: ConnectFields): Promise<RawClient> {
  const rc = await open(c);
  expect(await rc.connack(), `CONNACK for ${c.clientId}`).toBe(0);
  return rc;
}
