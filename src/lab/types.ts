// A teaching lab: a broker set-up, a scripted scenario played by MQTT.js
// clients through the proxy, and an explanation of what to look at.
import type { IClientOptions, MqttClient } from 'mqtt';
import type { FindingCode } from '../model/packet.js';

export interface LabSecurity {
  /** mosquitto password_file lines (`user:password`; plain text is fine for the bundled broker). */
  passwd?: string;
  /** mosquitto acl_file text. */
  acl?: string;
  allowAnonymous?: boolean;
}

export interface Lab {
  name: string;
  title: string;
  /** One line for `lab --list`. */
  summary: string;
  /** What to look at, shown in the TUI (`h`) and printed before the line view. */
  explanation: string;
  /** Where to look in the TUI (its keys); appended to the explanation there only. */
  tuiHint?: string;
  /** Where to look in the line view; appended to the explanation there only. */
  lineHint?: string;
  security?: LabSecurity;
  /** Finding codes the scenario must produce (checked by the tests, listed in docs). */
  expectFindings: FindingCode[];
  /** Packet types the scenario must show, e.g. 'PUBREC'. */
  expectPackets?: string[];
  script(ctx: LabContext): Promise<void>;
}

export interface LabContext {
  /** mqtt://127.0.0.1:PORT of the proxy. */
  readonly url: string;
  /** Milliseconds between steps: about 1000, or a few with --fast. */
  readonly pace: number;
  /** Wait one pace, then narrate the next step. */
  step(text: string): Promise<void>;
  /** Narrate without waiting. */
  say(text: string): void;
  sleep(ms: number): Promise<void>;
  /** Connect an MQTT.js client (protocol 4, no reconnect); closed at the end of the lab. */
  connect(clientId: string, opts?: IClientOptions): Promise<MqttClient>;
  /** Connect expecting a refusal: resolves with the CONNACK return code (or -1 on another error). */
  connectRefused(clientId: string, opts?: IClientOptions): Promise<number>;
  /** Resolve with what `client` has received once it has `n` messages in all (or after `timeoutMs`, 3 s by default, with fewer). */
  received(client: MqttClient, n: number, timeoutMs?: number): Promise<Array<{ topic: string; payload: Buffer; retain: boolean }>>;
}
