// devices.list / devices.allow / devices.deny: one device rule per line, one rule per write.
import type { Codec } from "../codec.js";
import { type DeviceRule, formatDeviceRule, parseDeviceRule } from "../device-rule.js";
import { InvalidValueError } from "../errors.js";
import { nonEmptyLines, parseFail } from "./common.js";

/** The factory behind `codecs.deviceRules` (see {@link Codecs}). @internal */
export function deviceRules(): Codec<DeviceRule[], DeviceRule | string> {
  return {
    name: "deviceRules",
    parse(text, file) {
      const out: DeviceRule[] = [];
      for (const line of nonEmptyLines(text)) {
        try {
          out.push(parseDeviceRule(line, file));
        } catch (err) {
          // Kernel text that is not a rule is a parse failure, not a refused value.
          if (err instanceof InvalidValueError) parseFail(file, text, `${JSON.stringify(line)}: ${err.reason}`);
          throw err;
        }
      }
      return out;
    },
    format(value, file) {
      return formatDeviceRule(typeof value === "string" ? parseDeviceRule(value, file) : value, file);
    },
  };
}
