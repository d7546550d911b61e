/** An error that the CLI reports as one line and turns into an exit code. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, opts: { code?: string; exitCode?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = opts.code ?? 'cli-error';
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Usage errors exit with 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, { code: 'usage', exitCode: 2 });
    this.name = 'UsageError';
  }
}
