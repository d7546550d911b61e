// Link layers down to the IP packet: Ethernet (+802.1Q/QinQ, PPPoE sessions,
// MPLS), Linux SLL/SLL2, raw IP, BSD NULL and OpenBSD LOOP.
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OLD: 12, // DLT_RAW on some BSDs, written as-is in old files
  RAW_OPENBSD: 14, // DLT_RAW on OpenBSD, also written as-is in old files (tshark reads it as raw IP)
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type LinkResult =
  | { kind: 'ip'; version: 4 | 6; offset: number }
  /** Not IP (ARP, LLDP...): skipped silently. */
  | { kind: 'other' }
  | { kind: 'unsupported' }
  | { kind: 'short' };

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

export function isSupportedLinkType(lt: number): boolean {
  return Object.values(LINKTYPE).includes(lt as never);
}

/** linkIpOffset results that are not an IP packet. */
export const LINK_OTHER = -1;
export const LINK_UNSUPPORTED = -2;
export const LINK_SHORT = -3;
/** A raw-IP frame that does not start with an IPv4 or IPv6 header: the file's link type is likely wrong. */
export const LINK_NOT_IP = -4;

// Encoded result: (absolute offset of the IP header) * 2, plus 1 for IPv6.
function byEthertype(type: number, offset: number): number {
  if (type === ETH_IPV4) return offset * 2;
  if (type === ETH_IPV6) return offset * 2 + 1;
  return LINK_OTHER;
}

function byVersionNibble(b: Uint8Array, offset: number, end: number): number {
  if (offset >= end) return LINK_SHORT;
  const v = b[offset]! >> 4;
  if (v === 4) return offset * 2;
  if (v === 6) return offset * 2 + 1;
  return LINK_OTHER;
}

/** BSD address families for IPv4/IPv6 as they appear in NULL/LOOP headers. */
function byFamily(af: number, b: Uint8Array, offset: number, end: number): number {
  if (af === 2) return offset * 2;
  if (af === 10 || af === 24 || af === 28 || af === 30) return offset * 2 + 1;
  return byVersionNibble(b, offset, end);
}

function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * IP carried one level further down, after an Ethertype that is not IP itself:
 * a PPPoE session (DSL links) or an MPLS label stack (carrier links).
 */
function encapsulated(type: number, b: Uint8Array, p: number, end: number): number {
  if (type === 0x8864) {
    // PPPoE session header (6 bytes) then the PPP protocol: 0x0021 IPv4, 0x0057 IPv6 [RFC 2516].
    if (p + 8 > end) return LINK_SHORT;
    const proto = u16be(b, p + 6);
    return proto === 0x0021 ? (p + 8) * 2 : proto === 0x0057 ? (p + 8) * 2 + 1 : LINK_OTHER;
  }
  if (type === 0x8847 || type === 0x8848) {
    // MPLS: 4-byte label stack entries up to the bottom-of-stack bit; IP follows [RFC 3032].
    for (;;) {
      if (p + 4 > end) return LINK_SHORT;
      const bottom = (b[p + 2]! & 1) !== 0;
      p += 4;
      if (bottom) return byVersionNibble(b, p, end);
    }
  }
  return LINK_OTHER;
}

/**
 * The IP packet after an Ethertype `type` whose payload starts at `p`: through any number of
 * 802.1Q / 802.1ad (QinQ) tags, each TCI(2) then the next type, and into PPPoE or MPLS.
 */
function afterEthertype(type: number, b: Uint8Array, p: number, end: number): number {
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100 || type === 0x9200) {
    if (p + 4 > end) return LINK_SHORT;
    type = u16be(b, p + 2);
    p += 4;
  }
  const ip = byEthertype(type, p);
  return ip !== LINK_OTHER ? ip : encapsulated(type, b, p, end);
}

/**
 * The IP packet inside the link-layer frame b[start, end), without allocating:
 * (absolute offset of the IP header) * 2 + (1 for IPv6, 0 for IPv4), or
 * LINK_OTHER / LINK_UNSUPPORTED / LINK_SHORT.
 */
export function linkIpOffset(linkType: number, b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      if (len < 14) return LINK_SHORT;
      return afterEthertype(u16be(b, start + 12), b, start + 14, end);
    }
    // Cooked captures carry VLAN tags too: libpcap puts the tag it gets from the kernel
    // into the SLL protocol field (0x8100, then TCI and the real type), as tshark reads it.
    case LINKTYPE.LINUX_SLL:
      if (len < 16) return LINK_SHORT;
      return afterEthertype(u16be(b, start + 14), b, start + 16, end);
    case LINKTYPE.LINUX_SLL2:
      if (len < 20) return LINK_SHORT;
      return afterEthertype(u16be(b, start), b, start + 20, end);
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OLD:
    case LINKTYPE.RAW_OPENBSD: {
      // Nothing but IP is carried here: any other version nibble is no IP header at all.
      const r = byVersionNibble(b, start, end);
      return r === LINK_OTHER ? LINK_NOT_IP : r;
    }
    case LINKTYPE.IPV4:
      return start * 2;
    case LINKTYPE.IPV6:
      return start * 2 + 1;
    case LINKTYPE.NULL: {
      // The family is in the capturing host's byte order.
      if (len < 4) return LINK_SHORT;
      const af = b[start] !== 0 || b[start + 1] !== 0
        ? (b[start]! | (b[start + 1]! << 8) | (b[start + 2]! << 16) | (b[start + 3]! << 24)) >>> 0
        : u32be(b, start);
      return byFamily(af, b, start + 4, end);
    }
    case LINKTYPE.LOOP:
      if (len < 4) return LINK_SHORT;
      return byFamily(u32be(b, start), b, start + 4, end);
    default:
      return LINK_UNSUPPORTED;
  }
}

export function decodeLink(linkType: number, b: Buffer): LinkResult {
  const r = linkIpOffset(linkType, b, 0, b.length);
  if (r >= 0) return { kind: 'ip', version: (r & 1) === 1 ? 6 : 4, offset: r >> 1 };
  return r === LINK_SHORT ? { kind: 'short' } : r === LINK_UNSUPPORTED ? { kind: 'unsupported' } : { kind: 'other' };
}
