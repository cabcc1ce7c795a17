// How the bytes of a control file become text, for every reader (NodeCgroupFs, the snapshot reader):
// UTF-8 when the bytes are valid UTF-8, so a value read and written back (a restore) is the same
// bytes, since writes encode UTF-8; latin1 (one character a byte, lossless) only when they are not.
import { isUtf8 } from "node:buffer";

/** The text of a control file's bytes: UTF-8 when valid (a literal U+FFFD included), else latin1. @internal */
export function decodeControlText(bytes: Buffer): string {
  return bytes.toString(isUtf8(bytes) ? "utf8" : "latin1");
}
