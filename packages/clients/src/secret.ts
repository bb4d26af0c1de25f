import { inspect } from 'node:util';

const SHOWN = '[secret]';

/**
 * A password (or any secret string) that never shows in `console.log`, `util.inspect`, `JSON.stringify`, string
 * interpolation or an error message built from it: each shows `[secret]`. The value is in a private field.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself: call it only where the value is handed to its one consumer. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return SHOWN;
  }

  toJSON(): string {
    return SHOWN;
  }

  [inspect.custom](): string {
    return SHOWN;
  }
}
