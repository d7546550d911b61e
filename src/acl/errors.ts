import { readFile } from 'node:fs/promises';
/** A malformed password_file, acl_file or mosquitto.conf line. `file:line: message`. */
export class AclFileError extends Error {
  readonly code = 'acl-file-error';
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`);
    this.name = 'AclFileError';
    this.file = file;
    this.line = line;
  }
}

/** Read a mosquitto-style file, turning an I/O failure into a file error ("cannot read acl file: …"). */
export async function readConfigText(
  path: string,
  what: string,
  makeError: (file: string, line: number, message: string) => AclFileError = (f, l, m) => new AclFileError(f, l, m),
): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw makeError(path, 0, `cannot read ${what}: ${ioProblem(err as NodeJS.ErrnoException)}`);
  }
}

/** The reason of an I/O error without Node's repetition of the path ("ENOENT: …, open 'x'"). */
function ioProblem(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'it is a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    default: return e.code ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}` : e.message;
  }
}
