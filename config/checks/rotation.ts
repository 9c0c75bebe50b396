// Rotation as the description asks for it: what can rotate, on which schedule, and with which master secret.
import { Check, entries, isMap } from "./shared";

export const checkRotation: Check = ({ apps, secretsOf }, add) => {
  for (const [app, spec] of apps) {
    for (const [secret, s] of entries(spec.secrets)) {
      const at = `applications.${app}.secrets.${secret}`;
      const r = s.rotation;
      if (r === undefined) continue;
      if (s.type === "api-key") {
        add(`${at}.rotation`, "api-key values are set by a person and cannot be rotated by the platform; remove rotation (use expiresAfterDays to force renewal) or use type token");
        continue;
      }
      if (!isMap(r)) continue;
      if ((r.everyDays === undefined) === (r.scheduleExpression === undefined)) {
        add(`${at}.rotation`, "give exactly one of everyDays or scheduleExpression");
      }
      if (s.type !== "postgres") continue;
      if (r.strategy === "alternating-users") {
        if (typeof r.masterSecret !== "string") {
          add(`${at}.rotation.masterSecret`, "alternating-users rotation needs masterSecret: <app>/<secret> of a postgres secret that can create and alter users");
        } else {
          const [mApp, mSecret] = r.masterSecret.split("/");
          const master = secretsOf(mApp)[mSecret];
          if (!isMap(master)) add(`${at}.rotation.masterSecret`, `secret "${r.masterSecret}" is not defined in applications`);
          else if (master.type !== "postgres") add(`${at}.rotation.masterSecret`, `"${r.masterSecret}" is a ${master.type} secret; the master must be a postgres secret`);
          else if (mApp === app && mSecret === secret) add(`${at}.rotation.masterSecret`, "a secret cannot be its own master; name the admin secret");
        }
      } else if (r.masterSecret !== undefined) {
        add(`${at}.rotation.masterSecret`, "only alternating-users rotation uses a master secret; remove it or change the strategy");
      }
    }
  }
  // Production's "every rotatable secret rotates wherever it is placed" is config/checks/placement.ts.
};
