// The short connection the churn tests repeat, built fast.
import { connack, connect, DISCONNECT, publish, type Rig } from './wire.js';

const WILL = new TextEncoder().encode('gone');
const CONNACK = connack();

// Packets are built once where they repeat; a new client id is written into a template.
const fleet = new Map<number, Uint8Array>();
const dataPublish = new Map<number, Uint8Array>();
const DEV = connect('dev-0000000', { will: { topic: 'status/dev-0000000', payload: WILL } });
const digits = (n: number): number[] => [...String(n).padStart(7, '0')].map((c) => c.charCodeAt(0));
const DEV_AT = [...DEV].findIndex((_, k) => DEV[k] === 0x30 && DEV[k - 1] === 0x2d) ;

function devConnect(i: number): Uint8Array {
  const b = DEV.slice();
  const d = digits(i);
  // The id appears twice: as the client id and in the will topic.
  b.set(d, DEV_AT);
  b.set(d, DEV.length - WILL.length - 2 - 7);
  return b;
}

/** One short connection: CONNECT (with a will), CONNACK, a PUBLISH, and mostly a DISCONNECT. */
export function shortConnection(rig: Rig, i: number): void {
  const id = rig.open();
  // Half the client ids are new, half come back (a fleet reconnecting).
  let conn: Uint8Array;
  if (i % 2 === 0) conn = devConnect(i);
  else {
    const k = i % 500;
    conn = fleet.get(k) ?? connect(`fleet-${k}`, { will: { topic: `status/fleet-${k}`, payload: WILL } });
    fleet.set(k, conn);
  }
  rig.c(id, conn);
  rig.s(id, CONNACK);
  const t = i % 20_000;
  const pub = dataPublish.get(t) ?? publish(`data/${t}`, 'x');
  dataPublish.set(t, pub);
  rig.c(id, pub);
  if (i % 3 !== 0) rig.c(id, DISCONNECT);
  rig.time += 500; // 2,000 connections a second
  // A third leave without DISCONNECT: arms their will until the window ends.
  rig.engine.close(id, rig.time, i % 3 === 0 ? 'reset' : 'fin');
  if (i % 1000 === 0) rig.advance(0);
}

/**
 * Throws once `ms` have passed since `since`: quadratic work would otherwise keep a
 * synchronous loop (which vitest cannot time out) busy for many minutes.
 */
export function budget(since: number, ms: number, what: string): void {
  const spent = performance.now() - since;
  if (spent > ms) throw new Error(`${what}: still running after ${Math.round(spent)} ms (budget ${ms} ms)`);
}

