// Rotation function for `jwt` secrets: keys published one rotation ahead of use.
// The Lambda entry point; the rotator itself is in rotator.ts, which the Azure Function runs too.
import { createRotationHandler } from "../shared/protocol";
import { jwtRotator } from "./rotator";

export * from "./rotator";

export const handler = createRotationHandler(() => jwtRotator);
