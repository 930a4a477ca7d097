/** Somewhere to write text: a terminal, a pipe, a test's buffer. */
export interface Output {
  write(text: string): void;
}
