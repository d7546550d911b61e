// Real mosquitto for tests, via the same startMosquitto the CLI uses.
// Throws (never skips) when mosquitto is not installed.
import { startMosquitto, type MosquittoOptions, type RunningMosquitto } from '../../src/broker/mosquitto.js';
import { requireBinary } from './peers.js';

export type { RunningMosquitto };

export async function startTestMosquitto(opts: Omit<MosquittoOptions, 'bin'> = {}): Promise<RunningMosquitto> {
  const bin = requireBinary('mosquitto');
  return startMosquitto({ ...opts, bin });
}
