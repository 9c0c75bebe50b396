// State backends: each stack keeps its own state file.
import { stackName, stateKey } from "../naming";
import { Check, isMap } from "./shared";

/** Two stacks writing one state file would each plan to destroy the other's resources. */
export const checkStateBackends: Check = ({ envs }, add) => {
  const seen = new Map<string, string>();
  for (const [env, e] of envs) {
    for (const backend of ["aws", "vault", "azure", "kubernetes"] as const) {
      const b = isMap(e[backend]) ? e[backend].backend : undefined;
      if (!isMap(b)) continue;
      const key = stateKey(stackName(backend, env), b.key);
      const where = b.type === "s3" ? `s3://${b.bucket}/${key}` : `azurerm ${b.storageAccountName}/${b.containerName}/${key}`;
      const at = `environments.${env}.${backend}.backend`;
      const twin = seen.get(where);
      if (twin) add(`${at}.key`, `keeps state at ${where}, as ${twin} does; each stack needs its own state file: change key or leave it out (default secrets-platform/<stack>.tfstate)`);
      else seen.set(where, at);
    }
  }
};
