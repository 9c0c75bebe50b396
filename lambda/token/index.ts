// Rotation function for `token` secrets: an opaque random value, `{"token": "<random>"}`.
// The Lambda entry point; the rotator itself is in rotator.ts, which the Azure Function runs too.
import { createRotationHandler } from "../shared/protocol";
import { tokenRotator } from "./rotator";

export * from "./rotator";

export const handler = createRotationHandler(() => tokenRotator);
