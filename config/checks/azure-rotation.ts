// Rotation on Azure: the function's subnet where rotating secrets live in Key Vault, and a cadence it can follow.
import { azureCadenceDays } from "../azure-rotation-plan";
import { isRotatableType } from "../../contracts/secret-types";
import { isProduction } from "../naming";
import { Add, Check, entries, isMap, Loose } from "./shared";

export const checkAzureRotation: Check = ({ apps, envs }, add) => {
  for (const [env, e] of envs) if (isMap(e.azure)) checkEnvironmentRotation(env, e, apps, add);
};

/** The applications placed on Azure in an environment: the environment's override, else the application's list, else all. */
function placedOnAzure(env: Loose, app: string, spec: Loose): boolean {
  const override = isMap(env.applications) && isMap(env.applications[app]) ? env.applications[app].backends : undefined;
  const backends = Array.isArray(override) ? override : spec.backends;
  return !Array.isArray(backends) || backends.includes("azure");
}

/**
 * Rotating secrets on Azure need the function's subnet (azure.rotation): production refuses without it, elsewhere
 * the stack warns and they do not rotate there. The function rotates on Key Vault's expiry, so the cadence is days.
 */
function checkEnvironmentRotation(env: string, e: Loose, apps: [string, Loose][], add: Add): void {
  const at = `environments.${env}.azure`;
  const rotating = apps.flatMap(([app, spec]) =>
    placedOnAzure(e, app, spec)
      ? entries(spec.secrets)
          .filter(([, s]) => isRotatableType(s.type) && isMap(s.rotation))
          .map(([secret, s]) => ({ ref: `${app}/${secret}`, at: `applications.${app}.secrets.${secret}.rotation`, rotation: s.rotation as Loose }))
      : [],
  );
  if (rotating.length === 0) return;
  const rotation = e.azure.rotation;
  if (rotation === undefined) {
    const production = isProduction(env, typeof e.production === "boolean" ? e.production : undefined);
    if (production) {
      add(`${at}.rotation`, `is required: environment ${env} is production and keeps rotating secrets in Azure Key Vault (${rotating.map((r) => r.ref).join(", ")}), which only the rotation function rotates there; add rotation: { subnetId: <a subnet delegated to Microsoft.App/environments> }`);
    }
    return;
  }
  if (!isMap(rotation)) return;
  for (const r of rotating) {
    if (typeof r.rotation.scheduleExpression === "string" && azureCadenceDays(r.rotation) === undefined) {
      add(`${r.at}.scheduleExpression`, `Azure rotates ${r.ref} when Key Vault reports it near expiry, so its cadence is whole days: use everyDays (or rate(N days)) in environment ${env}, which has azure.rotation`);
    }
  }
  const pe = isMap(e.azure.privateEndpoint) ? e.azure.privateEndpoint.subnetId : undefined;
  if (typeof rotation.subnetId === "string" && typeof pe === "string" && rotation.subnetId.toLowerCase() === pe.toLowerCase()) {
    add(`${at}.rotation.subnetId`, "is the private endpoint's subnet; the function's subnet is delegated to Microsoft.App/environments, which then holds nothing else: give it its own subnet");
  }
}
