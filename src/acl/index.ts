// Public API of acl/: mosquitto password_file and acl_file parsing, evaluation and explanation.
export { AclFileError } from './errors.js';
export { topicMatches, explainTopicMatch, hasWildcard, type TopicMatch } from './topic.js';
export {
  parsePasswordFile, loadPasswordFile, verifyPassword, authenticate,
  type PasswordFile, type PasswordEntry, type AuthResult,
} from './password-file.js';
export { parseAclFile, loadAclFile, filterProblem, type AclFile, type AclRule, type AclAccess } from './acl-file.js';
export {
  explain, isAllowed, ruleLabel, substitutePattern, effectiveUsername, clientIdsMatching,
  type AclRequest, type CheckAccess, type Explanation, type ExplainStep, type ClientIdAlternative, type SubscribeReach,
} from './explain.js';
