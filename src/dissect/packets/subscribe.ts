// SUBSCRIBE and UNSUBSCRIBE [§3.8, §3.10]: Packet Identifier, properties (5),
// then topic filters (with subscription options for SUBSCRIBE).
import type { SubscriptionRequest } from '../../model/packet.js';
import { NOTE_DEFS } from '../../protocol/spec-refs.js';
import { FILTER_BAD_HASH, FILTER_BAD_PLUS, filterWildcardProblems } from '../../protocol/topic-match.js';
import { readProperties } from '../properties.js';
import { hexByte, quote, UTF8_WILDCARD } from '../utf8.js';
import type { Walker } from '../walker.js';
import { packetId } from './common.js';
import { ENTRIES_ITEMISED, ENTRIES_LISTED, FILTERS_NOT_ITEMISED, ListTail } from './list-cap.js';

const SHARE = '$share/';

/**
 * Topic filter rules: not empty [MQTT-4.7.3-1], wildcards only as whole levels
 * [MQTT-4.7.1-2, -3]; in MQTT 5 a shared subscription is `$share/{ShareName}/{filter}`
 * with a non-empty ShareName [MQTT-4.8.2-1] without `+` or `#`, followed by `/` and a
 * Topic Filter [MQTT-4.8.2-2]. The wildcard rules then apply to the filter part.
 */
function checkFilter(w: Walker, filter: string, at: number, packet: string, nth: number): void {
  if (filter.length === 0) {
    w.note(NOTE_DEFS.emptyFilter, `${packet} ${filterName(nth)} is empty`, at);
    return;
  }
  let rest = filter;
  if (w.version === 5 && filter.startsWith(SHARE)) {
    const slash = filter.indexOf('/', SHARE.length);
    const shareName = filter.slice(SHARE.length, slash < 0 ? filter.length : slash);
    const form = 'a shared subscription is $share/{ShareName}/{filter}';
    if (shareName.length === 0) {
      w.note(NOTE_DEFS.invalidFilter, `${packet} ${filterName(nth)} ${quote(filter)} has an empty ShareName; ${form}`, at + 2, 'MQTT-4.8.2-1');
    } else if (shareName.includes('+') || shareName.includes('#')) {
      w.note(NOTE_DEFS.invalidFilter, `${packet} ${filterName(nth)} ${quote(filter)}: the ShareName ${quote(shareName)} must not contain '+' or '#'`, at + 2, 'MQTT-4.8.2-2');
    }
    if (slash < 0 || slash + 1 === filter.length) {
      w.note(NOTE_DEFS.invalidFilter, `${packet} ${filterName(nth)} ${quote(filter)}: the ShareName must be followed by '/' and a Topic Filter; ${form}`, at + 2, 'MQTT-4.8.2-2');
      return;
    }
    rest = filter.slice(slash + 1);
  }
  if ((w.strStatus & UTF8_WILDCARD) === 0) return;
  const bad = filterWildcardProblems(rest);
  if (bad & FILTER_BAD_HASH) {
    w.note(NOTE_DEFS.invalidFilter, `${packet} ${filterName(nth)} ${quote(filter)}: '#' must be a level of its own and the last one (e.g. "a/#")`, at + 2);
  }
  if (bad & FILTER_BAD_PLUS) {
    w.note(NOTE_DEFS.invalidFilter, `${packet} ${filterName(nth)} ${quote(filter)}: '+' must fill a whole level (e.g. "a/+/b")`, at + 2, w.ref('MQTT-4.7.1-3', 'MQTT-4.7.1-2'));
  }
}

/** How notes name a topic filter: with its number `nth` when not 0. Called only for a note (there may be 4M filters). */
function filterName(nth: number): string {
  return nth > 0 ? `Topic Filter ${nth}` : 'Topic Filter';
}

const RH = ['send retained on subscribe', 'send retained only if new subscription', 'do not send retained', 'invalid'];
const QOS = ['0 (At most once)', '1 (At least once)', '2 (Exactly once)', '3 (invalid)'];
// What each option bit means for the subscriber [MQTT 5.0 §3.8.3.1].
const NL = ['0 (own publications are delivered too)', '1 (own publications are not delivered to this client)'];
const RAP = ['0 (RETAIN cleared on forwarded messages)', '1 (RETAIN kept as published)'];

export function walkSubscribe(w: Walker): void {
  const s = w.s;
  const subs: SubscriptionRequest[] = [];
  s.subscriptions = subs;
  if (packetId(w) < 0) return;
  if (w.version === 5) {
    s.properties = readProperties(w, 8);
    if (s.properties === null) return;
  }
  if (w.pos >= w.end) {
    // Cut off by the end of the bytes given (not by the Remaining Length): its filters were sent but not seen.
    if (!w.cutShort) w.note(NOTE_DEFS.noTopicFilters, 'SUBSCRIBE contains no Topic Filter; at least one is required', w.pos);
    return;
  }
  const v5 = w.version === 5;
  const tail = new ListTail(w);
  let count = 0;
  let notListed = 0;
  while (w.pos < w.end) {
    if (count === ENTRIES_ITEMISED) tail.begin(w, FILTERS_NOT_ITEMISED, 'mqtt.topic_filters.not_itemised', 'Topic Filters Not Itemised');
    count++;
    // Past the filters the tree itemises there is no field to show where a note
    // belongs, so notes give the filter's number (`Topic Filter 1002`).
    const nth = count > ENTRIES_ITEMISED ? count : 0;
    const g = w.tree ? w.group('mqtt.subscription', 'Subscription') : null;
    const fAt = w.pos;
    const filter = w.str('mqtt.topic_len', 'mqtt.topic', 'Topic Filter', 'Topic Filter', nth);
    if (filter === null) { if (g) w.closeGroup(g); break; }
    checkFilter(w, filter, fAt, 'SUBSCRIBE', nth);
    // 3.1/3.1.1 call the byte "Requested QoS" (§3.8.3); 5.0 "Subscription Options" (§3.8.3.1).
    if (w.pos >= w.end) {
      const oLabel = v5 ? 'Subscription Options' : 'Requested QoS Byte';
      w.need(1, v5 ? 'mqtt.subscription_options' : 'mqtt.sub.qos', oLabel, nth ? `${oLabel} of topic filter ${nth} ${quote(filter)}` : oLabel);
      if (g) w.closeGroup(g, filter, quote(filter));
      break;
    }
    const oAt = w.pos;
    const o = w.u8();
    const qos = o & 3;
    const noLocal = v5 && (o & 0x04) !== 0;
    const retainAsPublished = v5 && (o & 0x08) !== 0;
    const retainHandling = v5 ? (o >> 4) & 3 : 0;
    if (subs.length < ENTRIES_LISTED) subs.push({ filter, qos, noLocal, retainAsPublished, retainHandling });
    else notListed++;
    const reservedMask = v5 ? 0xc0 : 0xfc;
    // 3.1.1: [MQTT-3.8.3-4] for all three. 5.0: QoS 3 and Retain Handling 3 are
    // Protocol Errors (§3.8.3.1, no number); reserved bits [MQTT-3.8.3-5].
    if (qos === 3 || (v5 && retainHandling === 3) || (o & reservedMask) !== 0) {
      const what = `${v5 ? 'subscription options' : 'Requested QoS byte'} 0x${hexByte(o)} for ${nth ? `topic filter ${nth} ` : ''}${quote(filter)}`;
      if (qos === 3) w.note(NOTE_DEFS.subscribeOptions, `${what}: QoS 3 is invalid`, oAt, w.ref('MQTT-3.8.3-4', 'MQTT-3.8.3.1'));
      if (v5 && retainHandling === 3) w.note(NOTE_DEFS.subscribeOptions, `${what}: Retain Handling 3 is invalid`, oAt, 'MQTT-3.8.3.1');
      if ((o & reservedMask) !== 0) w.note(NOTE_DEFS.subscribeOptions, `${what}: reserved bits are set`, oAt);
    }
    if (noLocal && filter.startsWith('$share/')) {
      w.note(NOTE_DEFS.noLocalShared, `No Local is set on the shared subscription ${quote(filter)}; that is a Protocol Error`, oAt);
    }
    if (w.tree) {
      if (v5) {
        const f = w.add('mqtt.subscription_options', 'Subscription Options', oAt, 1, o, `0x${hexByte(o)}`);
        w.open(f);
        const rsv = (o >> 6) & 3;
        w.add('mqtt.subscription_options.reserved', 'Reserved', oAt, 1, rsv, rsv ? `${rsv} (must be 0)` : '0', 0xc0);
        w.add('mqtt.sub.rh', 'Retain Handling', oAt, 1, retainHandling, `${retainHandling} (${RH[retainHandling]})`, 0x30);
        w.add('mqtt.sub.rap', 'Retain As Published', oAt, 1, retainAsPublished ? 1 : 0, RAP[retainAsPublished ? 1 : 0]!, 0x08);
        w.add('mqtt.sub.nl', 'No Local', oAt, 1, noLocal ? 1 : 0, NL[noLocal ? 1 : 0]!, 0x04);
        w.add('mqtt.sub.qos', 'Maximum QoS', oAt, 1, qos, QOS[qos]!, 0x03);
        w.close();
      } else {
        // 3.1/3.1.1 "Requested QoS byte": bits 7-2 reserved, must be 0 [MQTT-3.8.3-4]; bits 1-0 QoS.
        // tshark 4.0 has the byte as one item, mqtt.sub.qos "Requested QoS" (its bits 1-0);
        // mqtt.subscription_options is its MQTT 5 id only. The reserved bits are its child.
        const rsv = o >> 2;
        const f = w.add('mqtt.sub.qos', 'Requested QoS', oAt, 1, qos, rsv ? `${QOS[qos]!} (byte 0x${hexByte(o)})` : QOS[qos]!);
        w.open(f);
        w.add('mqtt.subscription_options.reserved', 'Reserved', oAt, 1, rsv, rsv ? `${rsv} (must be 0)` : '0', 0xfc);
        w.close();
      }
      w.closeGroup(g!, filter, `${quote(filter)} QoS ${qos}`);
    }
  }
  tail.end(w, count, subs.length, 'topic filter', 'topic filters', 'SUBSCRIBE', `filter syntax, UTF-8, ${v5 ? 'subscription options' : 'Requested QoS byte'}`);
  if (notListed > 0) s.filtersNotListed = notListed;
}

export function walkUnsubscribe(w: Walker): void {
  const s = w.s;
  const filters: string[] = [];
  s.unsubscriptions = filters;
  if (packetId(w) < 0) return;
  if (w.version === 5) {
    s.properties = readProperties(w, 10);
    if (s.properties === null) return;
  }
  if (w.pos >= w.end) {
    if (!w.cutShort) w.note(NOTE_DEFS.noTopicFilters, 'UNSUBSCRIBE contains no Topic Filter; at least one is required', w.pos, 'MQTT-3.10.3-2');
    return;
  }
  const tail = new ListTail(w);
  let count = 0;
  let notListed = 0;
  while (w.pos < w.end) {
    if (count === ENTRIES_ITEMISED) tail.begin(w, FILTERS_NOT_ITEMISED, 'mqtt.topic_filters.not_itemised', 'Topic Filters Not Itemised');
    count++;
    const nth = count > ENTRIES_ITEMISED ? count : 0; // notes give the number past the itemised filters
    const at = w.pos;
    const f = w.str('mqtt.topic_len', 'mqtt.topic', 'Topic Filter', 'Topic Filter', nth);
    if (f === null) break;
    checkFilter(w, f, at, 'UNSUBSCRIBE', nth);
    if (filters.length < ENTRIES_LISTED) filters.push(f);
    else notListed++;
  }
  tail.end(w, count, filters.length, 'topic filter', 'topic filters', 'UNSUBSCRIBE', 'filter syntax, UTF-8');
  if (notListed > 0) s.filtersNotListed = notListed;
}
