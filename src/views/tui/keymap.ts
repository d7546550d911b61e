// Every key of the TUI, once: the help bar and the `?` overlay read this table.
// The bar names the views by their digits only (the letters are in the overlay), so
// that at 80 columns it reaches `5 findings` and `w write`.
import type { KeyHelp } from './widgets/help-bar.js';

export const GLOBAL_KEYS: KeyHelp[] = [
  { keys: '?', what: 'show all keys', bar: 'keys' },
  { keys: 'q', what: 'quit (also Ctrl-C); the terminal is restored', bar: 'quit' },
  { keys: '/', what: 'display filter (Wireshark-style, e.g. publish && topic matches "home/#")', bar: 'filter' },
  { keys: '1 p', what: 'packets: list, field tree, hex', bar: 'pkts', barKeys: '1' },
  { keys: '2 c', what: 'clients and sessions (version, user, keep-alive, will, subscriptions)', bar: 'clients', barKeys: '2' },
  { keys: '3 t', what: 'topic tree with message counts and retained values', bar: 'topics', barKeys: '3' },
  { keys: '4 o', what: 'QoS / packet-id flows with state and latency', bar: 'flows', barKeys: '4' },
  { keys: '5 x', what: 'findings; enter jumps to the packets involved', bar: 'findings', barKeys: '5' },
  { keys: 'w', what: 'write the shown packets to a pcap file (asks for a path)', bar: 'write' },
  { keys: 'f', what: 'follow new packets (live); scrolling up or reading a packet in the tree stops following', bar: 'follow' },
  { keys: 'space', what: 'pause / resume the display (capture continues); in the tree: expand', bar: 'pause' },
  { keys: 'h', what: 'lab explanation (in a lab)' },
  { keys: 'd', what: 'clients, topics, flows and findings views: the selected item\'s details in full, scrollable (Enter too in clients and topics)' },
  { keys: 'Esc', what: 'back to the packet list (focus on it); clear finding marks' },
  { keys: 'Ctrl-L', what: 'repaint the whole screen' },
];

export const PACKET_KEYS: KeyHelp[] = [
  { keys: 'Tab / S-Tab', what: 'move focus: list → tree → hex' },
  { keys: '↑ ↓ PgUp PgDn', what: 'move in the focused pane (also k j)' },
  { keys: 'Home End g G', what: 'first / last (in the list End and G resume following)' },
  { keys: 'Enter', what: 'list: go to the field tree; tree: expand or collapse the node' },
  { keys: '→ ←', what: 'tree: expand / collapse (or go to child / parent); hex: move the byte cursor (also l h, but h is the lab explanation in a lab)' },
  { keys: '* -', what: 'tree: expand all / collapse all' },
  { keys: 'n N', what: 'next / previous packet with a finding or a protocol note (!)' },
];

export const PROMPT_KEYS: KeyHelp[] = [
  { keys: 'Enter', what: 'apply (an empty filter shows everything)', bar: 'apply' },
  { keys: 'Esc', what: 'cancel', bar: 'cancel' },
  { keys: '← → Home End', what: 'move the cursor', bar: 'move' },
  { keys: 'Ctrl-U', what: 'clear to the start', bar: 'clear' },
];
