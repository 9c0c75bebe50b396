// Rotation function for `postgres` secrets. ROTATION_STRATEGY chooses single-user or
// alternating-users; see docs/rotation.md. Without it, the value decides as AWS's own functions
// do: a value with `masterarn` rotates alternating users, any other a single user.
import { RotationError } from "../shared/errors";
import { Rotator, STEPS, StepContext, createRotationHandler } from "../shared/protocol";
import { AWSCURRENT, getSecretVersion } from "../shared/secrets";
import { alternatingUsersRotator } from "./alternating-users";
import { singleUserRotator } from "./single-user";

export const STRATEGIES: Record<string, Rotator> = {
  "single-user": singleUserRotator,
  "alternating-users": alternatingUsersRotator,
};

/** The strategy a secret's AWSCURRENT value implies; single-user when there is none yet. */
async function impliedStrategy(ctx: StepContext): Promise<Rotator> {
  const current = await getSecretVersion(ctx.secretId, AWSCURRENT);
  const rotator = typeof current?.value.masterarn === "string" ? alternatingUsersRotator : singleUserRotator;
  ctx.log.info("strategy.implied", { message: `ROTATION_STRATEGY is not set; the value implies ${rotator.name}.` });
  return rotator;
}

export const valueImpliedRotator: Rotator = {
  name: "postgres/implied-by-value",
  ...(Object.fromEntries(STEPS.map((step) => [step, async (ctx: StepContext) => (await impliedStrategy(ctx))[step](ctx)])) as Pick<
    Rotator,
    (typeof STEPS)[number]
  >),
};

export function rotatorFor(strategy: string | undefined): Rotator {
  if (strategy === undefined || strategy === "") return valueImpliedRotator;
  const rotator = STRATEGIES[strategy];
  if (!rotator) {
    throw new RotationError(
      `ROTATION_STRATEGY must be one of ${Object.keys(STRATEGIES).join(", ")}, or unset to follow the value (got ${JSON.stringify(strategy.slice(0, 40))}).`,
      "BAD_SETTING",
    );
  }
  return rotator;
}

export const handler = createRotationHandler(() => rotatorFor(process.env.ROTATION_STRATEGY));
