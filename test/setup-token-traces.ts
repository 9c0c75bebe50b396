// Every test file runs with the short token creation traces the app installs (main.ts, stacks/token-traces.ts):
// the stacks are tested as they synthesize, and each synth here costs a fifth less.
import { shortenTokenTraces } from "../stacks/token-traces";

shortenTokenTraces();
