// A codec turns kernel text into typed values and back.
import { InvalidValueError, type ParseError } from "./errors.js";

/**
 * Parses what the kernel prints and formats what it accepts.
 * `format` validates first and throws {@link InvalidValueError}; it never returns text with a newline.
 * @public
 */
export interface Codec<R, W = R> {
  /** The codec's name in the spec's closed list. */
  readonly name: string;
  /** Kernel text to a value; throws {@link ParseError} naming `file` when the text does not fit. */
  parse(text: string, file?: string): R;
  /** A value to the one line the kernel accepts; throws {@link InvalidValueError} naming `file` first. */
  format(value: W, file?: string): string;
}

/** Values of a keyed file: typed known keys, and every other key the kernel printed. @public */
export type KeyedValues<K extends string, V> = Readonly<Partial<Record<K, V>>> & Readonly<Record<string, V>>;

/** Refuse text that the kernel would split or misread: newlines and NUL. @public */
export function assertOneLine(text: string, file: string | undefined, value: unknown): string {
  if (/[\n\r\0]/.test(text)) throw new InvalidValueError(file, value, "contains a newline or NUL; one write carries one line");
  return text;
}
