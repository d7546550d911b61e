// Link layers down to the IP packet: Ethernet (+802.1Q/QinQ), Linux SLL/SLL2,
// raw IP, BSD NULL and OpenBSD LOOP.
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OLD: 12, // DLT_RAW on some BSDs, written as-is in old files
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
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100, 0x9200]);

export function isSupportedLinkType(lt: number): boolean {
  return Object.values(LINKTYPE).includes(lt as never);
}

function byEthertype(type: number, offset: number): LinkResult {
  if (type === ETH_IPV4) return { kind: 'ip', version: 4, offset };
  if (type === ETH_IPV6) return { kind: 'ip', version: 6, offset };
  return { kind: 'other' };
}

function byVersionNibble(b: Uint8Array, offset: number): LinkResult {
  if (offset >= b.length) return { kind: 'short' };
  const v = b[offset]! >> 4;
  if (v === 4) return { kind: 'ip', version: 4, offset };
  if (v === 6) return { kind: 'ip', version: 6, offset };
  return { kind: 'other' };
}

/** BSD address families for IPv4/IPv6 as they appear in NULL/LOOP headers. */
function byFamily(af: number, b: Uint8Array, offset: number): LinkResult {
  if (af === 2) return { kind: 'ip', version: 4, offset };
  if (af === 10 || af === 24 || af === 28 || af === 30) return { kind: 'ip', version: 6, offset };
  return byVersionNibble(b, offset);
}

export function decodeLink(linkType: number, b: Buffer): LinkResult {
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      if (b.length < 14) return { kind: 'short' };
      let off = 12;
      let type = b.readUInt16BE(off);
      // 802.1Q / 802.1ad (QinQ): each tag is TPID(2) TCI(2), then the next type.
      while (VLAN_TAGS.has(type)) {
        off += 4;
        if (off + 2 > b.length) return { kind: 'short' };
        type = b.readUInt16BE(off);
      }
      return byEthertype(type, off + 2);
    }
    case LINKTYPE.LINUX_SLL:
      if (b.length < 16) return { kind: 'short' };
      return byEthertype(b.readUInt16BE(14), 16);
    case LINKTYPE.LINUX_SLL2:
      if (b.length < 20) return { kind: 'short' };
      return byEthertype(b.readUInt16BE(0), 20);
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OLD:
      return byVersionNibble(b, 0);
    case LINKTYPE.IPV4:
      return { kind: 'ip', version: 4, offset: 0 };
    case LINKTYPE.IPV6:
      return { kind: 'ip', version: 6, offset: 0 };
    case LINKTYPE.NULL: {
      // The family is in the capturing host's byte order.
      if (b.length < 4) return { kind: 'short' };
      const af = b[0] !== 0 || b[1] !== 0 ? b.readUInt32LE(0) : b.readUInt32BE(0);
      return byFamily(af, b, 4);
    }
    case LINKTYPE.LOOP:
      if (b.length < 4) return { kind: 'short' };
      return byFamily(b.readUInt32BE(0), b, 4);
    default:
      return { kind: 'unsupported' };
  }
}
