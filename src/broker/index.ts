// Public API of broker/: the bundled aedes broker with mosquitto 2.0 security, and a managed mosquitto.
export { startBroker, type BrokerOptions, type RunningBroker } from './broker.js';
export { startMosquitto, freePort, MosquittoError, type MosquittoOptions, type RunningMosquitto } from './mosquitto.js';
export { parseMosquittoConf, loadMosquittoConf, ConfigFileError, type MosquittoConfig } from './config.js';
export { createSecurity, createSecurityHooks, DENIED_BROKER_ID, type Security, type SecurityOptions, type SecurityEvent } from './security.js';
export { SharedSubscriptions, parseSharedFilter, type SharedFilter } from './shared-subscriptions.js';
