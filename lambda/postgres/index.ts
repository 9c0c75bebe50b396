// Rotation function for `postgres` secrets. ROTATION_STRATEGY chooses single-user or
// alternating-users; see the README, Rotation. Without it, the value decides as AWS's own functions
// do: a value with `masterarn` rotates alternating users, any other a single user; except that a
// function given MASTER_SECRET_ARN exists for that master's alternating users, and rotates those.
import { RotationError } from "../shared/errors";
import { Rotator, STEPS, StepContext, createRotationHandler } from "../shared/protocol";
import { AWSCURRENT } from "../shared/store";
import { alternatingUsersRotator } from "./alternating-users";
import { singleUserRotator } from "./single-user";

export const STRATEGIES: Record<string, Rotator> = {
  "single-user": singleUserRotator,
  "alternating-users": alternatingUsersRotator,
};

/**
 * The strategy when ROTATION_STRATEGY is unset: alternating users when the function has a
 * MASTER_SECRET_ARN (it exists for that master's secrets) or the AWSCURRENT value has a
 * `masterarn`; else single-user, also when there is no value yet. (A `masterarn` that is not a
 * string fails either way: both strategies parse the value.)
 */
export function impliedRotator(current: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv = process.env): { rotator: Rotator; why: string } {
  if (env.MASTER_SECRET_ARN) return { rotator: alternatingUsersRotator, why: "MASTER_SECRET_ARN is set" };
  if (typeof current?.masterarn === "string") return { rotator: alternatingUsersRotator, why: "the value has masterarn" };
  return { rotator: singleUserRotator, why: current ? "the value has no masterarn" : "the secret has no value yet" };
}

async function impliedStrategy(ctx: StepContext): Promise<Rotator> {
  const current = process.env.MASTER_SECRET_ARN ? undefined : await ctx.store.getSecretVersion(ctx.secretId, AWSCURRENT);
  const { rotator, why } = impliedRotator(current?.value);
  ctx.log.info("strategy.implied", { message: `ROTATION_STRATEGY is not set; ${why}: ${rotator.name}.` });
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
