import { describe, it, expect } from 'vitest';
import { parseMosquittoConf, ConfigFileError } from '../../src/broker/index.js';

describe('mosquitto.conf subset', () => {
  it('reads listener, allow_anonymous, password_file and acl_file; warns on the rest', () => {
    const cfg = parseMosquittoConf('# conf\nlistener 1884 127.0.0.1\nallow_anonymous false\npassword_file /etc/mosquitto/passwd\nacl_file /etc/mosquitto/acl\npersistence true\n', 'm.conf');
    expect(cfg.listeners).toEqual([{ port: 1884, host: '127.0.0.1', line: 2 }]);
    expect(cfg).toMatchObject({ allowAnonymous: false, passwordFile: '/etc/mosquitto/passwd', aclFile: '/etc/mosquitto/acl' });
    expect(cfg.warnings).toEqual(["m.conf:6: 'persistence' is not supported by the bundled broker and is ignored"]);
  });

  it.each([
    ['listener abc', "m.conf:2: invalid port 'abc'"],
    ['listener', "m.conf:2: 'listener' needs a port"],
    ['allow_anonymous yes', "m.conf:2: allow_anonymous must be true or false, got 'yes'"],
    ['acl_file', "m.conf:2: 'acl_file' needs a path"],
  ])('rejects %j with file:line', (line, message) => {
    expect(() => parseMosquittoConf(`# x\n${line}\n`, 'm.conf')).toThrow(ConfigFileError);
    expect(() => parseMosquittoConf(`# x\n${line}\n`, 'm.conf')).toThrow(message);
  });
});
