// Public API of replay/: load a capture's client side, play it against a broker, compare answers.
export {
  openCapture, CaptureScripts, ITEM_OVERHEAD, MAX_DIFFERENCES_LISTED,
  type ConnScript, type OpenCaptureOptions, type PacketRef, type ReadAheadStats, type ScriptEvent, type ScriptPacket,
} from './load.js';
export { replay, type ReplayOptions, type ReplayResult, type ConnResult } from './player.js';
export { AnswerMatcher, compareAnswers, type Difference } from './compare.js';
export { answerOf, answerLabel, type Answer } from './answer.js';
export { rewriteClientId, encodeRemainingLength } from './client-id.js';
export { withCredentials, carriesCredentials, capturedUserName, userNameKey, userNameText, parseCredentialsFile, type Credentials, type CredentialsFor } from './credentials.js';
export { formatReport, socketProblem, type ReportOptions } from './report.js';
export { capturedEnd, type BrokerClose, type CapturedEnd, type PlayTrail } from './closing.js';
export { DeliveryTracker, withPacketId, type Delivery } from './deliveries.js';
