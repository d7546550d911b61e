// The first commands a new user types: `mqttscope help`, `mqttscope help read`,
// `-help`, `-V`, `--verison`. Before, `help` was an unknown command, `-help` was
// "mqttscope up: unknown option -h" (-h being the help option), and a mistyped
// --version or --help went to `up` and came back as up's unknown option, with up's
// usage line and no guess.
import { describe, expect, it } from 'vitest';
import { mqttscope } from '../read/run.js';

describe('help, as git and npm take it', () => {
  it('mqttscope help prints the top usage, exit 0', () => {
    const r = mqttscope(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('usage: mqttscope [COMMAND] [OPTIONS]');
    expect(r.stdout).toBe(mqttscope(['--help']).stdout);
  });
  it('mqttscope help COMMAND prints that command --help; extra words are ignored (help acl explain)', () => {
    for (const args of [['read'], ['lab'], ['acl', 'explain']]) {
      const r = mqttscope(['help', ...args]);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toBe(mqttscope([args[0]!, '--help']).stdout);
    }
  });
  it('mqttscope help with an unknown command is the unknown-command error', () => {
    const r = mqttscope(['help', 'raed']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mqttscope: unknown command 'raed'; did you mean 'read'?");
  });
  it('-help is help, alone and after a command', () => {
    const top = mqttscope(['-help']);
    expect(top.code).toBe(0);
    expect(top.stdout.split('\n')[0]).toBe('usage: mqttscope [COMMAND] [OPTIONS]');
    const read = mqttscope(['read', '-help']);
    expect(read.code).toBe(0);
    expect(read.stdout).toBe(mqttscope(['read', '--help']).stdout);
  });
});

describe('a mistyped --version or --help before any command', () => {
  for (const [written, meant] of [['-V', '--version'], ['-v', '--version'], ['--verison', '--version'], ['--versio', '--version'], ['--hepl', '--help']] as const) {
    it(`${written}: did you mean mqttscope ${meant}, exit 2, no usage line of up`, () => {
      const r = mqttscope([written]);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`mqttscope: unknown option ${written}; did you mean 'mqttscope ${meant}'?`);
      expect(r.stderr).not.toContain('usage: mqttscope up');
    });
  }
  it('an option of up that is mistyped still gets the guess of up', () => {
    const r = mqttscope(['--lisen', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('mqttscope up: unknown option --lisen; did you mean --listen?');
  });
  it('mqttscope version says where the version is', () => {
    const r = mqttscope(['version']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mqttscope: unknown command 'version'; the version is 'mqttscope --version'");
  });
});
