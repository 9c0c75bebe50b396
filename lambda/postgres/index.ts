// Rotation function for `postgres` secrets. ROTATION_STRATEGY chooses single-user or
// alternating-users; see docs/rotation.md.
import { RotationError } from "../shared/errors";
import { Rotator, createRotationHandler } from "../shared/protocol";
import { alternatingUsersRotator } from "./alternating-users";
import { singleUserRotator } from "./single-user";

export const STRATEGIES: Record<string, Rotator> = {
  "single-user": singleUserRotator,
  "alternating-users": alternatingUsersRotator,
};

export function rotatorFor(strategy: string | undefined): Rotator {
  const rotator = strategy ? STRATEGIES[strategy] : undefined;
  if (!rotator) {
    throw new RotationError(
      `ROTATION_STRATEGY must be one of ${Object.keys(STRATEGIES).join(", ")} (got ${strategy ? JSON.stringify(strategy.slice(0, 40)) : "nothing"}).`,
      "BAD_SETTING",
    );
  }
  return rotator;
}

export const handler = createRotationHandler(() => rotatorFor(process.env.ROTATION_STRATEGY));
