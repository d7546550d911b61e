// mosquitto.conf values at their limits: the highest port and one past it, the '1'
// spelling of per_listener_settings true, and the words mosquitto ignores after a
// listener's host.
import { describe, expect, it } from 'vitest';
import { parseMosquittoConf } from '../../src/broker/index.js';

describe('mosquitto.conf bounds', () => {
  it('port 65535 is taken, 65536 is refused with the range', () => {
    expect(parseMosquittoConf('listener 65535\n', 'm.conf').listeners.map((l) => l.port)).toEqual([65535]);
    expect(() => parseMosquittoConf('listener 65536\n', 'm.conf')).toThrow("m.conf:1: invalid port '65536' (mosquitto reads it as 65536; expected 1-65535)");
  });

  it('per_listener_settings 1 means true, like mosquitto', () => {
    expect(parseMosquittoConf('per_listener_settings 1\nlistener 1998\n', 'm.conf').perListenerSettings).toBe(true);
    expect(parseMosquittoConf('per_listener_settings 0\nlistener 1998\n', 'm.conf').perListenerSettings).toBe(false);
  });

  it('a third word after listener is ignored with a warning, two words are not', () => {
    expect(parseMosquittoConf('listener 1998 127.0.0.1 extra\n', 'm.conf').warnings).toEqual(["m.conf:1: 'listener' takes PORT [HOST]; mosquitto ignores 'extra'"]);
    expect(parseMosquittoConf('listener 1998 127.0.0.1\n', 'm.conf').warnings).toEqual([]);
  });
});
