// The Azure Function app (Functions v4 Node.js programming model): one Event Grid triggered function, `rotate`,
// which the Event Grid subscription on the vault's system topic targets. The v4 model registers functions in code
// (learn.microsoft.com/azure/azure-functions/functions-reference-node?pivots=nodejs-model-v4); package.json's `main`
// points here. Log lines go through the invocation context, which Application Insights collects.
import { InvocationContext, app } from "@azure/functions";
import { createLogger } from "../shared/log";
import { keyVaultClient } from "./client";
import { createRotateHandler } from "./rotate";

export const FUNCTION_NAME = "rotate";

app.eventGrid(FUNCTION_NAME, {
  handler: async (event: unknown, context: InvocationContext) => {
    const sink = (line: string) => (line.includes('"level":"error"') ? context.error(line) : line.includes('"level":"warn"') ? context.warn(line) : context.log(line));
    // A thrown error fails the invocation, so Event Grid delivers the event again (its retry policy).
    await createRotateHandler({ client: (url) => keyVaultClient(url), logger: createLogger({}, sink) })(event);
  },
});
