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
