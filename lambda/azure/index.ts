// The Azure Function app (Functions v4 Node.js programming model): the Event Grid triggered function `rotate`,
// which the Event Grid subscription on the vault's system topic targets, and the timer triggered `sweep`, which
// rotates what a lost event or a version without expiry would otherwise leave unrotated for good (rotate.ts). The
// v4 model registers functions in code (learn.microsoft.com/azure/azure-functions/functions-reference-node?pivots=nodejs-model-v4); package.json's `main`
// points here. Log lines go through the invocation context, which Application Insights collects.
import { InvocationContext, app } from "@azure/functions";
import { createLogger } from "../shared/log";
import { keyVaultClient } from "./client";
import { SWEEP_SCHEDULE, createRotateHandler, createSweepHandler } from "./rotate";
import { AZURE_ROTATE_FUNCTION_NAME, AZURE_SWEEP_FUNCTION_NAME } from "../../contracts/azure-rotation";

export const FUNCTION_NAME = AZURE_ROTATE_FUNCTION_NAME;
export const SWEEP_FUNCTION_NAME = AZURE_SWEEP_FUNCTION_NAME;

function sinkOf(context: InvocationContext) {
  return (line: string) => (line.includes('"level":"error"') ? context.error(line) : line.includes('"level":"warn"') ? context.warn(line) : context.log(line));
}

app.eventGrid(FUNCTION_NAME, {
  handler: async (event: unknown, context: InvocationContext) => {
    // A thrown error fails the invocation, so Event Grid delivers the event again (its retry policy).
    await createRotateHandler({ client: (url) => keyVaultClient(url), logger: createLogger({}, sinkOf(context)) })(event);
  },
});

app.timer(SWEEP_FUNCTION_NAME, {
  schedule: SWEEP_SCHEDULE,
  // Not at every start: the runtime starts when the app wakes from idle, restarts or scales out, and each start would
  // sweep every secret. useMonitor (default true for intervals of a minute or more) keeps the schedule across restarts.
  // learn.microsoft.com/javascript/api/@azure/functions/timertriggeroptions
  runOnStartup: false,
  handler: async (_timer: unknown, context: InvocationContext) => {
    // A failure on any secret fails the invocation at the end, which the failure alert counts.
    await createSweepHandler({ client: (url) => keyVaultClient(url), logger: createLogger({}, sinkOf(context)) })();
  },
});
