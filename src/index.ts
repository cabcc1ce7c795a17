// cgroupkit's public API.
export * from "./runtime/index.js";
export * from "../generated/index.js";
