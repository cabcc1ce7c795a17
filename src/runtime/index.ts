// The runtime layer generated code stands on: fs, codecs, base accessor classes, errors.
export * from "./errors.js";
export * from "./fs.js";
export * from "./fault-fs.js";
export * from "./codec.js";
export * from "./codecs/index.js";
export * from "./accessor.js";
export * from "./device-rule.js";
export * from "./snapshot.js";
export * from "./json.js";
export * from "./manifest.js";
