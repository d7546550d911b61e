// Public API of proxy/: the transparent MQTT proxy that feeds the engine.
export { startProxy } from './proxy.js';
export { nowUs } from './clock.js';
export {
  DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_HELD_BYTES_TOTAL, DEFAULT_MAX_PACKET_SIZE,
  type ConnectionTap, type ProxyOptions, type ProxyHandle, type ProxyStats, type ProxyConnectionInfo,
} from './types.js';
export { PcapTap } from './pcap-tap.js';
export { generateCerts, findOpenssl, CertDirError, OpensslMissingError, type GeneratedCerts } from './cert.js';
