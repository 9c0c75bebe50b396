import type { StackRule, SynthesizedResource, Violation } from "../../rule";
import { asList, blocks, references, wholeReference } from "../../../readers/synthesized";
import { AZURE_PENDING_SUFFIX, AZURE_ROTATION_SETTING, pendingSecretName } from "../../../contracts/azure-rotation";
import { KeyVaultRole } from "../../../constructs/azure/principal";
import { FUNCTION_APP_TYPES } from "./function-apps";

/** The user-assigned identities a function app runs as, by Terraform address. */
const identitiesOf = (app: SynthesizedResource): string[] =>
  blocks(app.attributes.identity)
    .flatMap((i) => asList(i.identity_ids))
    .map((id) => wholeReference(id))
    .filter((ref): ref is NonNullable<typeof ref> => ref?.type === "azurerm_user_assigned_identity")
    .map((ref) => ref.address);

export const rotationSettingsBeyondGrants: StackRule = {
  id: "SP-AZR-009",
  name: "Rotation function whose ROTATION_SECRETS and Key Vault Secrets Officer grants differ",
  reason: "A listed secret the identity may not write fails to rotate at run time, not at deploy; a secret it may write but does not list is write access nobody needs.",
  fix: "Grant Key Vault Secrets Officer on each secret ROTATION_SECRETS lists and on its <name>--rotation companion, and no other (KeyVaultSecret.grantRotate for exactly the rotated secrets).",
  appliesTo: "stack",
  check(stack) {
    const out: Violation[] = [];
    for (const app of FUNCTION_APP_TYPES.flatMap((t) => stack.ofType(t))) {
      const settings = app.attributes.app_settings?.[AZURE_ROTATION_SETTING];
      if (settings === undefined) continue;
      let listed: string[];
      try {
        listed = Object.keys(JSON.parse(String(settings)));
      } catch {
        out.push(`${app.address}: ${AZURE_ROTATION_SETTING} is not JSON`);
        continue;
      }
      const identities = identitiesOf(app);
      // Secret names (literal) of the secrets on which one of the app's identities holds Secrets Officer.
      const writable = new Set(
        stack
          .ofType("azurerm_role_assignment")
          .filter((ra) => ra.attributes.role_definition_name === KeyVaultRole.SECRETS_OFFICER)
          .filter((ra) => references(ra.attributes.principal_id).some((ref) => identities.includes(ref.address)))
          .map((ra) => stack.referenced(ra.attributes.scope))
          .filter((secret): secret is SynthesizedResource => secret?.type === "azurerm_key_vault_secret")
          .map((secret) => String(secret.attributes.name)),
      );
      // Each listed secret and its companion, which holds the pending value (contracts/azure-rotation.ts).
      const needed = listed.flatMap((name) => [name, pendingSecretName(name)]);
      for (const name of needed) if (!writable.has(name)) out.push(`${app.address} rotates ${name.endsWith(AZURE_PENDING_SUFFIX) ? `through ${name}` : name} but its identity has no Key Vault Secrets Officer on that secret`);
      for (const name of writable) if (!needed.includes(name)) out.push(`${app.address}'s identity may write ${name}, which its ${AZURE_ROTATION_SETTING} does not list`);
    }
    return out;
  },
};
