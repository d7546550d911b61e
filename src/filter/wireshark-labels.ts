// Wireshark 4.0's value labels of the MQTT ids (its value_strings, as `tshark -G values`
// lists them), keyed by the id here (Wireshark's mqtt.property.max_qos is
// mqtt.property.maximum_qos, its mqtt.subscription_options_retain mqtt.sub.rh; its
// mqtt.subscription_options_qos shares mqtt.sub.qos's). tshark takes a label, in any case, in
// place of the number: `mqtt.msgtype == "Publish Message"`, `mqtt.conack.val == "Connection
// Accepted"`; so does the filter here. A label listed twice (`Reserved`) is its first code.

/** PUBACK and PUBREC share their Reason Codes (MQTT 5 3.4.2.1, 3.5.2.1), and tshark its labels for them. */
const PUBLISH_ACK_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'Success'],
  [16, 'No matching subscribers'],
  [128, 'Unspecified error'],
  [131, 'Implementation specific error'],
  [135, 'Not authorized'],
  [144, 'Topic Name invalid'],
  [145, 'Packet Identifier in use'],
  [151, 'Quota exceeded'],
  [153, 'Payload format invalid'],
];

/** Each id's [code, label] pairs, in Wireshark's order. */
const LABELS: Record<string, ReadonlyArray<readonly [number, string]>> = {
  'mqtt.msgtype': [
    [0, 'Reserved'],
    [1, 'Connect Command'],
    [2, 'Connect Ack'],
    [3, 'Publish Message'],
    [4, 'Publish Ack'],
    [5, 'Publish Received'],
    [6, 'Publish Release'],
    [7, 'Publish Complete'],
    [8, 'Subscribe Request'],
    [9, 'Subscribe Ack'],
    [10, 'Unsubscribe Request'],
    [11, 'Unsubscribe Ack'],
    [12, 'Ping Request'],
    [13, 'Ping Response'],
    [14, 'Disconnect Req'],
    [15, 'Authentication Exchange'],
    [16, 'Reserved'],
  ],
  'mqtt.qos': [
    [0, 'At most once delivery (Fire and Forget)'],
    [1, 'At least once delivery (Acknowledged deliver)'],
    [2, 'Exactly once delivery (Assured Delivery)'],
    [3, 'Reserved'],
  ],
  'mqtt.conack.val': [
    [0, 'Connection Accepted'],
    [1, 'Connection Refused: unacceptable protocol version'],
    [2, 'Connection Refused: identifier rejected'],
    [3, 'Connection Refused: server unavailable'],
    [4, 'Connection Refused: bad user name or password'],
    [5, 'Connection Refused: not authorized'],
  ],
  'mqtt.sub.qos': [
    [0, 'At most once delivery (Fire and Forget)'],
    [1, 'At least once delivery (Acknowledged deliver)'],
    [2, 'Exactly once delivery (Assured Delivery)'],
    [3, 'Reserved'],
  ],
  'mqtt.suback.qos': [
    [0, 'At most once delivery (Fire and Forget)'],
    [1, 'At least once delivery (Acknowledged deliver)'],
    [2, 'Exactly once delivery (Assured Delivery)'],
    [3, 'Reserved'],
    [128, 'Failure'],
  ],
  'mqtt.ver': [
    [3, 'MQTT v3.1'],
    [4, 'MQTT v3.1.1'],
    [5, 'MQTT v5.0'],
  ],
  'mqtt.conflag.qos': [
    [0, 'At most once delivery (Fire and Forget)'],
    [1, 'At least once delivery (Acknowledged deliver)'],
    [2, 'Exactly once delivery (Assured Delivery)'],
    [3, 'Reserved'],
  ],
  'mqtt.sub.rh': [
    [0, 'Send msgs at subscription time'],
    [1, 'Send msgs if subscription does not exist'],
    [2, 'Do not send msgs at subscription time'],
    [3, 'Reserved'],
  ],
  'mqtt.connack.reason_code': [
    [0, 'Success'],
    [128, 'Unspecified error'],
    [129, 'Malformed Packet'],
    [130, 'Protocol Error'],
    [131, 'Implementation specific error'],
    [132, 'Unsupported Protocol Version'],
    [133, 'Client Identifier not valid'],
    [134, 'Bad User Name or Password'],
    [135, 'Not authorized'],
    [136, 'Server unavailable'],
    [137, 'Server busy'],
    [138, 'Banned'],
    [140, 'Bad authentication method'],
    [144, 'Topic Name invalid'],
    [149, 'Packet too large'],
    [151, 'Quota exceeded'],
    [154, 'Retain not supported'],
    [155, 'QoS not supported'],
    [156, 'Use another server'],
    [157, 'Server moved'],
    [159, 'Connection rate exceeded'],
  ],
  'mqtt.puback.reason_code': PUBLISH_ACK_CODES,
  'mqtt.pubrec.reason_code': PUBLISH_ACK_CODES,
  'mqtt.pubrel.reason_code': [
    [0, 'Success'],
    [146, 'Packet Identifier not found'],
  ],
  'mqtt.pubcomp.reason_code': [
    [0, 'Success'],
    [146, 'Packet Identifier not found'],
  ],
  'mqtt.suback.reason_code': [
    [0, 'Granted QoS 0'],
    [1, 'Granted QoS 1'],
    [2, 'Granted QoS 2'],
    [128, 'Unspecified error'],
    [131, 'Implementation specific error'],
    [135, 'Not authorized'],
    [143, 'Topic Filter invalid'],
    [145, 'Packet Identifier in use'],
    [151, 'Quota exceeded'],
    [158, 'Shared Subscription not supported'],
    [161, 'Subscription Identifiers not supported'],
    [162, 'Wildcard Subscription not supported'],
  ],
  'mqtt.unsuback.reason_code': [
    [0, 'Success'],
    [17, 'No subscription existed'],
    [131, 'Implementation specific error'],
    [135, 'Not authorized'],
    [143, 'Topic Filter invalid'],
    [145, 'Packet Identifier in use'],
  ],
  'mqtt.disconnect.reason_code': [
    [0, 'Normal disconnection'],
    [4, 'Disconnect with Will Message'],
    [128, 'Unspecified error'],
    [129, 'Malformed Packet'],
    [130, 'Protocol Error'],
    [131, 'Implementation specific error'],
    [135, 'Not authorized'],
    [137, 'Server busy'],
    [139, 'Server shutting down'],
    [140, 'Bad authentication method'],
    [141, 'Keep Alive timeout'],
    [142, 'Session taken over'],
    [143, 'Topic Filter invalid'],
    [144, 'Topic Name invalid'],
    [147, 'Receive Maximum exceeded'],
    [148, 'Topic Alias invalid'],
    [149, 'Packet too large'],
    [150, 'Message rate too high'],
    [151, 'Quota exceeded'],
    [152, 'Administrative action'],
    [153, 'Payload format invalid'],
    [154, 'Retain not supported'],
    [155, 'QoS not supported'],
    [156, 'Use another server'],
    [157, 'Server moved'],
    [158, 'Shared Subscription not supported'],
    [159, 'Connection rate exceeded'],
    [160, 'Maximum connect time'],
    [161, 'Subscription Identifiers not supported'],
    [162, 'Wildcard Subscription not supported'],
  ],
  'mqtt.auth.reason_code': [
    [0, 'Success'],
    [24, 'Continue authentication'],
    [25, 'Re-authenticate'],
  ],
  'mqtt.property_id': [
    [1, 'Payload Format Indicator'],
    [2, 'Publication Expiry Interval'],
    [3, 'Content Type'],
    [8, 'Response Topic'],
    [9, 'Correlation Data'],
    [11, 'Subscription Identifier'],
    [17, 'Session Expiry Interval'],
    [18, 'Assigned Client Identifier'],
    [19, 'Server Keep Alive'],
    [21, 'Authentication Method'],
    [22, 'Authentication Data'],
    [23, 'Request Problem Information'],
    [24, 'Will Delay Interval'],
    [25, 'Request Response Information'],
    [26, 'Response Information'],
    [28, 'Server Reference'],
    [31, 'Reason String'],
    [33, 'Receive Maximum'],
    [34, 'Topic Alias Maximum'],
    [35, 'Topic Alias'],
    [36, 'Maximum QoS'],
    [37, 'Retain Available'],
    [38, 'User Property'],
    [39, 'Maximum Packet Size'],
    [40, 'Wildcard Subscription Available'],
    [41, 'Subscription Identifier Available'],
    [42, 'Shared Subscription Available'],
  ],
  'mqtt.property.maximum_qos': [
    [0, 'At most once delivery (Fire and Forget)'],
    [1, 'At least once delivery (Acknowledged deliver)'],
    [2, 'Exactly once delivery (Assured Delivery)'],
    [3, 'Reserved'],
  ],
};

const byId = new Map<string, ReadonlyMap<string, number>>();

/** The code a Wireshark label stands for on this id (case-insensitive), or undefined. */
export function labelValue(id: string, label: string): number | undefined {
  let m = byId.get(id);
  if (m === undefined) {
    const pairs = LABELS[id];
    if (pairs === undefined) return undefined;
    const built = new Map<string, number>();
    for (const [code, l] of pairs) if (!built.has(l.toLowerCase())) built.set(l.toLowerCase(), code);
    byId.set(id, (m = built));
  }
  return m.get(label.trim().toLowerCase());
}

/** The labels of an id (for suggestions), or an empty list. */
export function labelsOf(id: string): string[] {
  return (LABELS[id] ?? []).map(([, l]) => l);
}
