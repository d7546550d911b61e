// `mqttscope broker` in-process (mirrors src/cli/main.ts's error handling).
import { describe, it, expect, afterEach, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as brokerCommand from '../../src/cli/commands/broker.js';
import { CliError } from '../../src/cli/errors.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { RawClient } from './raw-client.js';
import { tempDir } from '../helpers/tmp.js';

let err = '';

async function broker(args: string[], whenListening?: () => void): Promise<number> {
  err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    if (whenListening && String(s).includes(' listening on ')) setImmediate(whenListening);
    return true;
  });
  try {
    return await brokerCommand.run(args);
  } catch (e) {
    if (e instanceof CliError) { err += `mqttscope broker: ${e.message}\n`; return e.exitCode; }
    throw e;
  }
}

afterEach(() => { vi.restoreAllMocks(); });

describe('mqttscope broker', () => {
  it('--broker mosquitto: a refused acl_file is reported once, naming the user\'s file, with the line mqttscope blames', async () => {
    requireBinary('mosquitto');
    const dir = tempDir('mqttscope-brokercli-');
    const acl = join(dir, 'bad.acl');
    writeFileSync(acl, 'user admin\ntopic\treadwrite #\n');
    expect(await broker(['--broker', 'mosquitto', '--port', String(await freePort()), '--acl', acl])).toBe(1);
    expect(err.match(/Invalid line in acl_file/g), err).toHaveLength(1);
    expect(err).toContain(`Invalid line in acl_file "${acl}"`);
    expect(err).toContain(`(mqttscope reads the acl_file the same way: ${acl}:2: a tab character in 'topic\\treadwrite'`);
  });

  it('the bundled broker prints the acl_file warnings and stops on SIGINT', async () => {
    const dir = tempDir('mqttscope-brokercli-');
    const acl = join(dir, 'tab.acl');
    writeFileSync(acl, 'topic read\tfoo\n');
    expect(await broker(['--port', '0', '--acl', acl], () => process.emit('SIGINT'))).toBe(0);
    expect(err).toContain(`warning: ${acl}:1: the topic 'read\\tfoo' contains a tab character`);
    expect(err).toContain('aedes listening on 127.0.0.1:');
  });

  it('-c: an indented comment is an error naming the line, as mosquitto refuses it', async () => {
    const dir = tempDir('mqttscope-brokercli-');
    const conf = join(dir, 'm.conf');
    writeFileSync(conf, 'listener 1883\n  # a comment\n');
    expect(await broker(['-c', conf])).toBe(1);
    expect(err).toContain(`${conf}:2: a comment must have '#' in the first column`);
  });

  it('logs CONNACK 2 for a rejected client id, and shows control characters from clients as escapes, not raw to the terminal', async () => {
    const code = await broker(['--port', '0', '--allow-anonymous'], () => {
      void (async () => {
        const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(err)![1]);
        const a = await RawClient.open(port, { clientId: '', clean: false });
        await a.connack();
        const b = await RawClient.open(port, { clientId: 'evil', username: 'x\u001b[2Jy' });
        await b.connack();
        a.destroy();
        b.destroy();
        process.emit('SIGINT');
      })();
    });
    expect(code).toBe(0);
    expect(err).toContain('refused CONNECT from (empty client id) (no username): identifier rejected: an empty client id needs CleanSession 1 [MQTT-3.1.3-8]; sent CONNACK 2\n');
    expect(err).toContain("closed the connection of evil (user x\\x1b[2Jy): username 'x\\x1b[2Jy' holds the control character U+001B");
    expect(err).not.toContain('\u001b');
  });

  it('-c without a listener: allow_anonymous defaults to true, as in mosquitto\'s local only mode, even with a password_file', async () => {
    // Checked by hand: mosquitto 2.0.11 -c (this file) -p PORT logs "Starting in local only mode"
    // and takes an anonymous client (CONNACK 0) while a wrong password still gets CONNACK 5.
    const dir = tempDir('mqttscope-brokercli-');
    writeFileSync(join(dir, 'pw'), 'u:p\n');
    writeFileSync(join(dir, 'm.conf'), `password_file ${join(dir, 'pw')}\n`);
    const codes: Array<number | 'closed'> = [];
    expect(await broker(['-c', join(dir, 'm.conf'), '--port', '0'], () => {
      void (async () => {
        const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(err)![1]);
        for (const c of [{ clientId: 'anon' }, { clientId: 'bad', username: 'u', password: 'x' }, { clientId: 'ok', username: 'u', password: 'p' }]) {
          const rc = await RawClient.open(port, c);
          codes.push(await rc.connack());
          rc.destroy();
        }
        process.emit('SIGINT');
      })();
    })).toBe(0);
    expect(err).toContain('allow_anonymous true');
    expect(codes).toEqual([0, 5, 0]);
  });
});
