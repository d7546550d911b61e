// Runs one lab: the bundled broker and the proxy on free loopback ports, the
// analysis, a view (the TUI with the lab's explanation, or the line view when
// there is no terminal), then the scripted clients. Line mode ends with the
// script; the TUI stays open until the user quits.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAclFile } from '../acl/index.js';
import { CliError } from '../cli/errors.js';
import { Analyzer } from '../analysis/index.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import type { Finding, OutputRecord, SummaryRecord } from '../model/packet.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { nowUs, startProxy, type ProxyHandle } from '../proxy/index.js';
import { createView } from '../views/index.js';
import { LabStopped, MqttLabContext } from './context.js';
import type { Lab } from './types.js';

export interface LabRunOptions {
  /** A few ms between steps instead of about a second (tests). */
  fast?: boolean;
  /** Open the TUI (needs a terminal). Otherwise the line view. */
  tui?: boolean;
  out?: NodeJS.WritableStream;
  color?: boolean;
  showSecrets?: boolean;
}

export interface LabResult {
  findings: Finding[];
  packets: Record<string, number>;
  /** The signal (SIGINT, SIGTERM) that stopped the lab before its script ended. */
  stoppedBy?: NodeJS.Signals;
}

export async function runLab(lab: Lab, o: LabRunOptions = {}): Promise<LabResult> {
  const out = o.out ?? process.stdout;
  const pace = o.fast ? 30 : 1000;
  // Delivery correlation waits this long for a publish's deliveries.
  const windowUs = o.fast ? 400_000 : 2_000_000;
  const findings: Finding[] = [];
  const packets: Record<string, number> = {};

  let dir: string | null = null;
  let broker: RunningBroker | null = null;
  let proxy: ProxyHandle | null = null;
  let tick: NodeJS.Timeout | null = null;
  let ctx: MqttLabContext | null = null;
  // Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops the script as q does in the
  // TUI: the clients, proxy and broker close, the line view ends with its summary line,
  // and the temporary password/ACL files go. A second signal exits at once.
  let stoppedBy: NodeJS.Signals | null = null;
  let signalled: () => void = () => undefined;
  const onSignalled = new Promise<'signal'>((resolve) => { signalled = () => resolve('signal'); });
  let halted = false;
  const halt = (): void => { halted = true; ctx?.stop(); signalled(); };
  const onSignal = (sig: NodeJS.Signals): void => {
    // A closed terminal may send SIGHUP twice (to the job and from its shell): only a
    // second Ctrl-C or SIGTERM means "exit now".
    if (stoppedBy && sig === 'SIGHUP') return;
    if (stoppedBy) { removeSignals(); process.kill(process.pid, sig); return; }
    stoppedBy = sig;
    halt();
  };
  // The reader of the line view went away (`| head`): stop quietly, as read and up do,
  // instead of dying on EPIPE and leaving the lab's files behind.
  let outBroken = false;
  const onOutError = (e: NodeJS.ErrnoException): void => {
    if (outBroken) return;
    outBroken = true;
    // EPIPE: the reader left; EIO: the terminal closed (SIGHUP follows or came first).
    if (e.code !== 'EPIPE' && e.code !== 'EIO') process.stderr.write(`mqttscope lab: cannot write the output: ${e.message}\n`);
    halt();
  };
  out.on('error', onOutError);
  const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const removeSignals = (): void => { for (const s of STOP_SIGNALS) process.off(s, onSignal); };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    const mqtt = await import('mqtt').catch((e: Error) => {
      throw new CliError(`the labs need the 'mqtt' package (MQTT.js; npm install): ${e.message}`, { code: 'lab-failed' });
    });
    let passwd: string | null = null;
    let aclPath: string | null = null;
    if (lab.security?.passwd || lab.security?.acl) {
      dir = await mkdtemp(join(tmpdir(), `mqttscope-lab-${lab.name}-`));
      if (lab.security.passwd) await writeFile((passwd = join(dir, 'passwd')), lab.security.passwd);
      if (lab.security.acl) await writeFile((aclPath = join(dir, 'acl')), lab.security.acl);
    }
    broker = await startBroker({
      host: '127.0.0.1', port: 0, passwd, acl: aclPath,
      ...(lab.security?.allowAnonymous !== undefined ? { allowAnonymous: lab.security.allowAnonymous } : {}),
    });

    // The view is created after the analyzer, records before it are kept.
    let view: { record(r: OutputRecord): void; end(s?: SummaryRecord): unknown } | null = null;
    let tuiView: import('../views/tui/index.js').TuiView | null = null;
    const early: OutputRecord[] = [];
    // What the clients sent, as far as it has been shown: a step waits for it to catch up.
    let c2sShown = 0;
    const sink = (r: OutputRecord): void => {
      if (r.kind === 'finding') findings.push(r);
      else {
        const n = packetTypeName(r.summary.type);
        packets[n] = (packets[n] ?? 0) + 1;
        if (r.dir === 'c2s') c2sShown += r.size;
      }
      if (view) view.record(r);
      else early.push(r);
    };
    const analyzer = new Analyzer(sink, {
      deliveryWindowUs: windowUs,
      brokerKind: 'aedes',
      ...(lab.security?.acl ? { acl: parseAclFile(lab.security.acl, 'the lab\'s ACL file,') } : {}),
    });
    const logs: string[] = [];
    proxy = await startProxy({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: broker.host, port: broker.port },
      onRecord: sink,
      engineOpts: { observers: [analyzer] },
      log: (line) => (tuiView ? logs.push(line) : out.write(`# proxy: ${line}\n`)),
    });
    const p = proxy;
    tick = setInterval(() => p.tick(nowUs()), o.fast ? 50 : 250);
    tick.unref();

    let say: (text: string) => void;
    if (o.tui) {
      const { createTuiView } = await import('../views/tui/index.js');
      tuiView = createTuiView({
        live: true, title: `lab ${lab.name}: ${lab.title}`, help: explain(lab, lab.tuiHint),
        snapshot: () => analyzer.snapshot(), showSecrets: o.showSecrets ?? false,
      });
      view = tuiView;
      const tv = tuiView;
      say = (text) => tv.say(text);
    } else {
      view = createView('line', { out, color: o.color ?? false, showSecrets: o.showSecrets ?? false });
      out.write(`# lab ${lab.name}: ${lab.title}\n#\n${explain(lab, lab.lineHint).split('\n').map((l) => `#   ${l}`.trimEnd()).join('\n')}\n#\n`);
      say = (text) => out.write(`# --- ${text}\n`);
    }
    for (const r of early) view.record(r);

    ctx = new MqttLabContext(mqtt, `mqtt://127.0.0.1:${proxy.port}`, pace, say, () => c2sShown);
    const c = ctx;
    if (halted) c.stop();
    const play = async (): Promise<void> => {
      // A scenario that cannot go on (a client refused or cut off) is one line and exit 1, not a stack trace.
      await lab.script(c).catch((err: unknown) => {
        if (halted || err instanceof LabStopped) throw err;
        throw new CliError(`lab ${lab.name}: the scenario could not go on: ${(err as Error)?.message ?? String(err)}`, { code: 'lab-failed' });
      });
      // Let delivery windows close while the subscribers are still connected, so
      // silent drops are reported, then say goodbye.
      await c.sleep(windowUs / 1000 + 150);
      p.tick(nowUs());
      await c.closeAll();
      await c.sleep(100);
    };
    if (tuiView) {
      // Quitting mid-script stops it: the user should not wait for the scenario.
      const tv = tuiView;
      const played = play().then(() => 'played' as const);
      played.catch(() => undefined);
      // A failed scenario leaves the TUI first, so its one-line error lands on a normal terminal.
      const how = await Promise.race([played, tv.done.then(() => 'quit' as const), onSignalled])
        .catch((err: unknown) => { tv.destroy(); throw err; });
      if (how !== 'played') c.stop();
      else {
        say('lab script finished: explore the capture (h: explanation, ?: keys), q quits');
        await Promise.race([tv.done, onSignalled]);
      }
      tv.destroy();
      for (const l of logs) process.stderr.write(`mqttscope proxy: ${l}\n`);
    } else {
      const played = play();
      played.catch(() => undefined);
      // A stopped script ends in LabStopped (or a client error): the signal says why.
      await Promise.race([played, onSignalled]).catch((err: unknown) => { if (!halted) throw err; });
    }
    clearInterval(tick);
    tick = null;
    await proxy.close();
    proxy.engine.end(nowUs());
    proxy = null;
    if (!tuiView && !outBroken) {
      view.end();
      const codes = [...new Set(findings.map((f) => f.code))];
      const how = stoppedBy ? `stopped by ${stoppedBy}` : 'finished';
      out.write(`# lab ${lab.name} ${how}: ${Object.values(packets).reduce((a, b) => a + b, 0)} packets, findings: ${codes.length ? codes.join(', ') : 'none'}\n`);
    }
    return { findings, packets, ...(stoppedBy ? { stoppedBy } : {}) };
  } finally {
    // Once broken, late write errors may still come: the listener stays to swallow them.
    if (!outBroken) out.removeListener('error', onOutError);
    if (tick) clearInterval(tick);
    await ctx?.closeAll().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    await broker?.close().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    // Only now: a signal during the cleanup above must not kill it half-way.
    removeSignals();
  }
}

/** The lab's explanation, followed by the hint for the view in use. */
function explain(lab: Lab, hint: string | undefined): string {
  return hint ? `${lab.explanation}\n\n${hint}` : lab.explanation;
}
