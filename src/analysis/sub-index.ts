// The granted subscriptions of open sessions, indexed by topic filter level, so that
// "who is subscribed to this topic" costs what the matching filters (and the filter
// prefixes that share the topic's first levels) cost, not one topic match per
// subscription of every session. Delivery correlation asks it each time a topic's
// route is rebuilt: on a topic's first publish, and after anything that may change
// who is routed to (SessionTracker.generation), which any CONNECT or SUBSCRIBE does.
//
// Same answers as topicMatches() over every subscription (test/analysis/sub-index.test.ts
// checks it with fast-check): a level is a wildcard only when it is exactly `+`, or `#`
// as the last level (which also matches the parent level, `a/#` matches `a`); any other
// level is compared literally ('a+' too); a filter whose first character is `+` or `#`
// matches no topic starting with `$` [MQTT-4.7.2-1]; a `#` level that is not the last
// makes a filter that matches nothing, so such a filter is not indexed at all.
import type { Session, Subscription } from './sessions.js';

class Node {
  children: Map<string, Node> | null = null;
  plus: Node | null = null;
  /** Subscriptions whose filter ends at this node. */
  here: Map<Subscription, Session> | null = null;
  /** Subscriptions whose filter is this node's levels followed by `#`. */
  hash: Map<Subscription, Session> | null = null;

  empty(): boolean {
    return this.children === null && this.plus === null && this.here === null && this.hash === null;
  }
}

/** Where a filter's subscriptions are kept: the node and which of its maps, or null for a filter that matches nothing. */
type Place = { path: Node[]; keys: (string | null)[]; hash: boolean };

export class SubscriptionIndex {
  private readonly root = new Node();
  /** Subscriptions indexed. */
  size = 0;
  /** Trie nodes a match() walk visited (a complexity gauge for tests). */
  visited = 0;

  add(s: Session, sub: Subscription): void {
    const levels = sub.topicFilter.split('/');
    const last = levels.length - 1;
    // A '#' level before the last: the filter matches nothing (topicMatches says false there).
    for (let i = 0; i < last; i++) if (levels[i] === '#') return;
    let node = this.root;
    for (let i = 0; i <= last; i++) {
      const lv = levels[i]!;
      if (lv === '#') {
        (node.hash ??= new Map()).set(sub, s);
        this.size++;
        return;
      }
      if (lv === '+') node = node.plus ??= new Node();
      else {
        const ch = node.children ??= new Map();
        let next = ch.get(lv);
        if (next === undefined) ch.set(lv, (next = new Node()));
        node = next;
      }
    }
    (node.here ??= new Map()).set(sub, s);
    this.size++;
  }

  remove(sub: Subscription): void {
    const place = this.place(sub.topicFilter);
    if (place === null) return;
    const { path, keys, hash } = place;
    const node = path[path.length - 1]!;
    const map = hash ? node.hash : node.here;
    if (map === null || !map.delete(sub)) return;
    this.size--;
    if (map.size === 0) { if (hash) node.hash = null; else node.here = null; }
    // Prune the nodes left empty, deepest first.
    for (let i = path.length - 1; i > 0; i--) {
      const n = path[i]!;
      if (!n.empty()) break;
      const parent = path[i - 1]!;
      const k = keys[i - 1]!;
      if (k === null) parent.plus = null;
      else {
        parent.children!.delete(k);
        if (parent.children!.size === 0) parent.children = null;
      }
    }
  }

  /** The node path of an indexed filter (keys[i]: the edge from path[i] to path[i + 1], null for `+`), or null. */
  private place(topicFilter: string): Place | null {
    const levels = topicFilter.split('/');
    const last = levels.length - 1;
    const path: Node[] = [this.root];
    const keys: (string | null)[] = [];
    let node = this.root;
    for (let i = 0; i <= last; i++) {
      const lv = levels[i]!;
      if (lv === '#') return i === last ? { path, keys, hash: true } : null;
      const next = lv === '+' ? node.plus : node.children?.get(lv);
      if (next === undefined || next === null) return null;
      keys.push(lv === '+' ? null : lv);
      path.push(next);
      node = next;
    }
    return { path, keys, hash: false };
  }

  /**
   * Call `visit` for every indexed subscription whose filter matches `topic` (in no
   * particular order). Iterative: a topic and a filter of 30,000 empty levels are valid.
   */
  match(topic: string, visit: (s: Session, sub: Subscription) => void): void {
    const levels = topic.split('/');
    const n = levels.length;
    const root = this.root;
    this.visited++;
    // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with '$'.
    // A literal first level starting with '+' or '#' (an invalid filter) cannot equal a '$' level either.
    const dollar = topic.charCodeAt(0) === 0x24;
    if (!dollar && root.hash !== null) for (const [sub, s] of root.hash) visit(s, sub);
    // Nodes still to visit, and how many of the topic's levels reached each.
    const nodes: Node[] = [];
    const depths: number[] = [];
    const first = root.children?.get(levels[0]!);
    if (first !== undefined) { nodes.push(first); depths.push(1); }
    if (!dollar && root.plus !== null) { nodes.push(root.plus); depths.push(1); }
    while (nodes.length > 0) {
      const node = nodes.pop()!;
      const i = depths.pop()!;
      this.visited++;
      if (node.hash !== null) for (const [sub, s] of node.hash) visit(s, sub);
      if (i === n) {
        if (node.here !== null) for (const [sub, s] of node.here) visit(s, sub);
        continue;
      }
      const next = node.children?.get(levels[i]!);
      if (next !== undefined) { nodes.push(next); depths.push(i + 1); }
      if (node.plus !== null) { nodes.push(node.plus); depths.push(i + 1); }
    }
  }
}
