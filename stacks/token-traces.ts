// Short creation traces for cdktf's tokens. cdktf records where every token was made: each Intrinsic (every
// reference such as `role.arn`, every resource's dependable), Lazy and dynamic block captures the whole call stack
// (it lifts Error.stackTraceLimit to the maximum) and V8 formats every frame into a string, kept as long as the token
// lives. That trace only ever shows in the message of a token that fails to resolve, yet formatting it was a fifth of
// a large synth's CPU time and much of its garbage (docs/scaling.md).
//
// Error.prepareStackTrace is V8's public hook for turning captured frames into `stack`: for a capture made by cdktf's
// token code, this keeps one frame, the first outside node_modules (the construct or stack that made the token);
// every other trace (errors, construct metadata, which cdktf writes to manifest.json) is
// formatted exactly as before. No cdktf code or internal state is touched. SECRETS_PLATFORM_DEBUG=1 keeps full traces.

/** Files of cdktf that capture a creation trace for a token (tokens/, dynamic blocks, complex computed lists). */
const TOKEN_TRACE_CALLERS = /[\\/]node_modules[\\/]cdktf[\\/]lib[\\/](tokens[\\/]|terraform-dynamic-|complex-computed-list)/;
const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;
/** How deep into the trace to look for the project code that made the token. */
const MAX_FRAMES = 12;

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => any;

/** Marks the hook, so that installing twice is a no-op while a hook installed over it (jest's) is wrapped again. */
const HOOK = Symbol.for("secrets-platform.shortTokenTraces");

/** V8's own format of a trace (what Node prints when no hook is set and source maps are off). */
function v8Format(error: Error, frames: NodeJS.CallSite[]): string {
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = "<error>";
  }
  return frames.length === 0 ? header : `${header}\n    at ${frames.join("\n    at ")}`;
}

/**
 * The frames a token's short trace keeps: the first project frame (the construct or stack that made the token), else
 * the first few. Formatting a frame is the costly part, so as few as say where the token came from.
 */
export function tokenTraceFrames(frames: readonly NodeJS.CallSite[]): readonly NodeJS.CallSite[] {
  for (let i = 0; i < frames.length && i < MAX_FRAMES; i++) {
    const file = frames[i].getFileName();
    if (file && !file.startsWith("node:") && !IN_NODE_MODULES.test(file)) return [frames[i]];
  }
  return frames.slice(0, 2);
}

/** Whether a captured trace was asked for by cdktf's token code: the first frame is in one of its token files. */
export function isTokenTrace(target: unknown, frames: readonly NodeJS.CallSite[]): boolean {
  // cdktf captures into a plain object ({ stack: "" }), never into an Error.
  if (target instanceof Error || frames.length === 0) return false;
  return TOKEN_TRACE_CALLERS.test(frames[0].getFileName() ?? "");
}

/**
 * Installs the hook for this process (the compiled app, the review, the bench, jest's test files). Idempotent; a hook
 * already installed (source-map support) keeps formatting every other trace.
 */
export function shortenTokenTraces(): void {
  if (process.env.SECRETS_PLATFORM_DEBUG) return;
  const previous: (PrepareStackTrace & { [HOOK]?: true }) | undefined = Error.prepareStackTrace;
  if (previous?.[HOOK]) return;
  const hook: PrepareStackTrace & { [HOOK]?: true } = (target, frames) => {
    if (isTokenTrace(target, frames)) return v8Format(target, tokenTraceFrames(frames) as NodeJS.CallSite[]);
    return previous ? previous(target, frames) : v8Format(target, frames);
  };
  hook[HOOK] = true;
  Error.prepareStackTrace = hook;
}
