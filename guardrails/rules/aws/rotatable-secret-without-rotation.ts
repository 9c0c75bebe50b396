import type { ResourceRule, SynthesizedResource } from "../../rule";
import { references } from "../../../readers/synthesized";
import { TAGS } from "../../../contracts/tags";
import { isRotatableType } from "../../../contracts/secret-types";

function rotatesSecret(rotation: SynthesizedResource, secret: SynthesizedResource): boolean {
  const id = rotation.attributes.secret_id;
  if (references(id).some((ref) => ref.address === secret.address)) return true;
  return typeof id === "string" && id !== "" && (id === secret.attributes.name || id === secret.attributes.arn);
}

export const rotatableSecretWithoutRotation: ResourceRule = {
  id: "SP-AWS-006",
  name: "Rotatable secret without rotation in production",
  reason: "A production credential that never rotates stays valid for as long as anyone who ever saw it keeps a copy.",
  fix: "Give the secret a rotation in the description (rotation: { everyDays: N }), which adds aws_secretsmanager_secret_rotation.",
  appliesTo: ["aws_secretsmanager_secret"],
  check(r, { production, stack }) {
    if (!production) return [];
    const type = r.attributes.tags?.[TAGS.secretType];
    if (!isRotatableType(type)) return [];
    if (stack.ofType("aws_secretsmanager_secret_rotation").some((rot) => rotatesSecret(rot, r))) return [];
    return [`secret ${r.attributes.name ?? r.name} (secret-type ${type}) has no aws_secretsmanager_secret_rotation`];
  },
};
