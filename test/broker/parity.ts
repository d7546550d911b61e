// The two brokers the parity tests run the same cases against: the bundled broker and
// a real mosquitto 2.0 (mosquitto missing = failure, never a skip), each started with
// the same password and acl files.
import { expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/index.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { RawClient, type ConnectFields } from './raw-client.js';

interface Peer { port: number; close(): Promise<void> }
export interface Setup { passwd?: string; acl?: string; allowAnonymous: boolean }
export type Start = (s: Setup) => Promise<Peer>;
export type Open = (c: ConnectFields) => Promise<RawClient>;

/** The setup's password and acl files, written to a fresh directory (`dir`: the caller removes it). */
export function files(s: Setup): { dir: string; passwd?: string; acl?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mqttscope-parity-'));
  const out: { dir: string; passwd?: string; acl?: string } = { dir };
  if (s.passwd !== undefined) writeFileSync(out.passwd = join(dir, 'passwd'), s.passwd);
  if (s.acl !== undefined) writeFileSync(out.acl = join(dir, 'acl'), s.acl);
  return out;
}

/** A started peer whose close also removes the directory of its files. */
async function cleaned(dir: string, start: Promise<Peer>): Promise<Peer> {
  let peer: Peer;
  try {
    peer = await start;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { port: peer.port, close: async () => { try { await peer.close(); } finally { rmSync(dir, { recursive: true, force: true }); } } };
}

export const BROKERS: Array<[string, Start]> = [
  ['bundled broker (aedes)', (s) => {
    const f = files(s);
    return cleaned(f.dir, startBroker({ port: 0, passwd: f.passwd ?? null, acl: f.acl ?? null, allowAnonymous: s.allowAnonymous }));
  }],
  ['mosquitto 2.0', (s) => {
    const f = files(s);
    return cleaned(f.dir, startTestMosquitto({ ...(f.passwd ? { passwdFile: f.passwd } : {}), ...(f.acl ? { aclFile: f.acl } : {}), allowAnonymous: s.allowAnonymous }));
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
