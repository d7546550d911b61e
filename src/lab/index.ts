// The labs, by name, in the order `lab --list` shows them.
import { aclLab } from './labs/acl.js';
import { qosLab } from './labs/qos.js';
import { remainingLengthLab } from './labs/remaining-length.js';
import { retainedLab } from './labs/retained.js';
import { sessionLab } from './labs/session.js';
import { willLab } from './labs/will.js';
import type { Lab } from './types.js';

export const LABS: readonly Lab[] = [qosLab, retainedLab, willLab, sessionLab, aclLab, remainingLengthLab];

export function findLab(name: string): Lab | undefined {
  return LABS.find((l) => l.name === name);
}

export type { Lab, LabContext, LabSecurity } from './types.js';
export { runLab, type LabRunOptions, type LabResult } from './runner.js';
