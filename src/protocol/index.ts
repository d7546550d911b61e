// Spec tables for MQTT 3.1 (MQIsdp, level 3), 3.1.1 (level 4) and 5.0 (level 5).
export * from './packet-types.js';
export * from './properties.js';
export * from './reason-codes.js';
export * from './spec-refs.js';
