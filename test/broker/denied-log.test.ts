// The broker's log line for a PUBLISH its ACL denies says what the client was told:
// QoS 0 has no acknowledgement at all; QoS 1 and 2 are acknowledged with success.
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/cli/commands/broker.js';

const denied = (qos: number): string => describeEvent({ kind: 'publish-denied', clientId: 'c1', username: 'user1', topic: 'panama/colon/user1', qos });

describe('broker log: denied PUBLISH', () => {
  it('QoS 0: dropped, with no acknowledgement to mention', () => {
    expect(denied(0)).toBe("denied PUBLISH from c1 (user user1) to 'panama/colon/user1' (QoS 0): dropped (QoS 0: no acknowledgement)");
  });
  it('QoS 1 and 2: acknowledged as a success (PUBACK / PUBREC 0), then dropped', () => {
    expect(denied(1)).toBe("denied PUBLISH from c1 (user user1) to 'panama/colon/user1' (QoS 1): acknowledged (PUBACK 0) and dropped");
    expect(denied(2)).toBe("denied PUBLISH from c1 (user user1) to 'panama/colon/user1' (QoS 2): acknowledged (PUBREC 0) and dropped");
  });
});
