// The secret types the platform rotates itself (DESIGN.md section 2): postgres, jwt and token. api-key values belong
// to a person and are never rotated by the platform. The one home of this list: the description's placement rules,
// the Azure rotation plan, the guardrails, the review and the bundle build (one Lambda per type) read it here.
// This module imports nothing, so guardrails and runtime bundles may include it.

/** The secret types the platform rotates (api-key values are a person's). */
export const ROTATABLE_TYPES = ["postgres", "jwt", "token"] as const;

export type RotatableType = (typeof ROTATABLE_TYPES)[number];

export const isRotatableType = (type: unknown): type is RotatableType => (ROTATABLE_TYPES as readonly unknown[]).includes(type);
