// ANSI colours for the text views. Off unless asked for; `shouldColor` is the
// usual policy (a TTY, NO_COLOR unset, FORCE_COLOR forces).

export interface Palette {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  blue(s: string): string;
  /** Inverse video, for whole-line highlights. */
  inverse(s: string): string;
}

const wrap = (open: number, close: number) => (s: string): string => (s === '' ? s : `\x1b[${open}m${s}\x1b[${close}m`);
const id = (s: string): string => s;

const PLAIN: Palette = Object.freeze({ enabled: false, bold: id, dim: id, red: id, yellow: id, green: id, cyan: id, magenta: id, blue: id, inverse: id });
const ANSI: Palette = Object.freeze({
  enabled: true,
  bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39),
  cyan: wrap(36, 39), magenta: wrap(35, 39), blue: wrap(34, 39), inverse: wrap(7, 27),
});

/** The colours (or the identity functions); views ask once per line, so both are made once. */
export function palette(enabled: boolean): Palette {
  return enabled ? ANSI : PLAIN;
}

/** Colour for a stream: honours NO_COLOR and FORCE_COLOR, else only on a TTY. */
export function shouldColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return stream.isTTY === true;
}

/** Remove ANSI escapes (for widths and tests). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
