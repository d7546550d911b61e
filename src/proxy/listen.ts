// Binding listeners, with errors a person can act on.
import type net from 'node:net';
import { CliError } from '../cli/errors.js';
import { endpointString, type Endpoint } from '../model/types.js';

export function listenOn(server: net.Server, at: Endpoint, flag: string): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = endpointString(at);
      if (err.code === 'EADDRINUSE') {
        // 1883 is MQTT's own port: a broker installed as a service (mosquitto from apt) holds it.
        // The example names the flag that failed: `--ws-listen 1883` was told to use `--listen 1884`.
        const hint = at.port === 1883 ? ` (1883 is the standard MQTT port: is a broker such as a mosquitto service running? \`npm start -- ${flag} 1884\` or \`mqttscope up ${flag} 1884\` uses another)` : '';
        reject(new CliError(`${where} is already in use; pick another with ${flag}${hint}`, { code: 'address-in-use' }));
      } else if (err.code === 'EACCES') {
        reject(new CliError(`not allowed to listen on ${where} (ports below 1024 need privileges); pick another with ${flag}`, { code: 'address-denied' }));
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        reject(new CliError(`cannot listen on ${where}: no such local address; pick another with ${flag}`, { code: 'address-unavailable' }));
      } else {
        reject(new CliError(`cannot listen on ${where}: ${err.message}`, { code: 'listen-failed' }));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      const a = server.address();
      if (a && typeof a === 'object') resolve({ host: normalizeHost(a.address), port: a.port });
      else resolve(at);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(at.port, at.host);
  });
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; undefined → `0.0.0.0`. */
export function normalizeHost(h: string | undefined): string {
  if (!h) return '0.0.0.0';
  return h.startsWith('::ffff:') && h.includes('.') ? h.slice(7) : h;
}

/**
 * The line for a client whose first bytes on the --ws-listen port are not HTTP: MQTT
 * over plain TCP (a CONNECT, 0x10: the client was given the WebSocket port) or TLS
 * (0x16: wss://, which the WebSocket listener does not speak). Without it the client
 * got an HTTP 400 it cannot read, and the proxy said nothing.
 */
export function notHttpLine(first: number, who: string, listen: string): string {
  if (first === 0x10) return `client ${who} sent plain MQTT (a CONNECT, not a WebSocket upgrade) to the --ws-listen port; MQTT over TCP goes to ${listen} (--listen); closing the connection`;
  if (first === 0x16) return `client ${who} started TLS (wss://?) on the --ws-listen port, which takes ws:// only; closing the connection`;
  return `client ${who} sent bytes that are not an HTTP request (first byte 0x${first.toString(16).padStart(2, '0')}) to the --ws-listen port; closing the connection`;
}
