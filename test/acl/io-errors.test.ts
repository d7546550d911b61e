// A password_file, acl_file or mosquitto.conf that cannot be read: one short line
// naming the file once (Node's "ENOENT: no such file or directory, open 'x'" named it twice).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAclFile, loadPasswordFile } from '../../src/acl/index.js';
import { loadMosquittoConf } from '../../src/broker/config.js';
import { tempDir } from '../helpers/tmp.js';

describe('files that cannot be read', () => {
  const dir = tempDir('mqttscope-acl-io-');
  const missing = join(dir, 'nofile');

  it('a missing file says "no such file", with the path once', async () => {
    await expect(loadAclFile(missing)).rejects.toMatchObject({ message: `${missing}: cannot read acl file: no such file` });
    await expect(loadPasswordFile(missing)).rejects.toMatchObject({ message: `${missing}: cannot read password file: no such file` });
    await expect(loadMosquittoConf(missing)).rejects.toMatchObject({ message: `${missing}: cannot read config file: no such file` });
  });
  it('a directory says so', async () => {
    await expect(loadAclFile(dir)).rejects.toMatchObject({ message: `${dir}: cannot read acl file: it is a directory` });
  });
});
