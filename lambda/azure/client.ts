// The Key Vault client the deployed function uses: the function app's user-assigned identity, whose client id the
// Azure stack puts in the AZURE_CLIENT_ID app setting (a user-assigned identity must be named by its client id:
// learn.microsoft.com/javascript/api/@azure/identity/managedidentitycredential).
import { ManagedIdentityCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { RotationError } from "../shared/errors";

let cached: { url: string; client: SecretClient } | undefined;

export function keyVaultClient(vaultUrl: string, env: NodeJS.ProcessEnv = process.env): SecretClient {
  if (cached?.url === vaultUrl) return cached.client;
  const clientId = env.AZURE_CLIENT_ID;
  if (!clientId) throw new RotationError("Bad app setting: AZURE_CLIENT_ID must be the client id of the function's user-assigned identity.", "BAD_SETTING");
  const client = new SecretClient(vaultUrl, new ManagedIdentityCredential({ clientId }));
  cached = { url: vaultUrl, client };
  return client;
}
