/** Loaded before every test file (bunfig.toml [test] preload). */
import { setDefaultTimeout } from "bun:test";

// Tests run real tensor work on slow, shared CI machines; 5 s (Bun's default) is too tight.
setDefaultTimeout(120_000);
