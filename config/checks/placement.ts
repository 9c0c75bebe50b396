// Placement (applications.<app>.backends, environments.<env>.applications): per-environment overrides name real
// applications, an alternating-users secret finds its master on every backend whose rotation reads it, and in
// production every rotatable secret rotates on every backend that holds it (config/placement.ts says how).
import { isProduction, vaultStaticRoleUsername } from "../naming";
import { cadenceSeconds, isRotatable, placement, rotatesOn, vaultMechanism } from "../placement";
import { Check, entries, isMap } from "./shared";
import { connectionNameOf, rawConnections } from "../vault-databases";

/** Backends whose rotation of an alternating-users secret reads the master's stored value (Vault uses its own connection user). */
const MASTER_READERS = ["aws", "azure"] as const;

export const checkPlacement: Check = ({ raw, apps, envs }, add) => {
  const defined = apps.map(([app]) => app);
  for (const [env, e] of envs) {
    if (!isMap(e.applications)) continue;
    for (const app of Object.keys(e.applications)) {
      if (!defined.includes(app)) {
        add(`environments.${env}.applications.${app}`, `names application ${app}, which applications does not define (defined: ${defined.join(", ") || "none"}); fix the name or remove the override`);
      }
    }
  }

  for (const [env, e] of envs) {
    const production = isProduction(env, typeof e.production === "boolean" ? e.production : undefined);
    for (const [app, spec] of apps) {
      const placed = placement(raw, env, app);
      for (const [secret, s] of entries(spec.secrets)) {
        const at = `applications.${app}.secrets.${secret}`;
        const r = isMap(s.rotation) ? s.rotation : undefined;
        if (s.type === "postgres" && r?.strategy === "alternating-users" && typeof r.masterSecret === "string") {
          const [mApp, mSecret] = r.masterSecret.split("/");
          const master = apps.find(([a]) => a === mApp)?.[1];
          if (isMap(master) && isMap(master.secrets) && isMap(master.secrets[mSecret])) {
            const mPlaced = placement(raw, env, mApp);
            for (const b of MASTER_READERS.filter((b) => placed.includes(b) && !mPlaced.includes(b))) {
              add(`${at}.rotation.masterSecret`, `${app}/${secret} is placed on ${b} in environment ${env}, whose alternating-users rotation reads its master ${r.masterSecret} there, but application ${mApp} is not placed on ${b} in ${env} (it is on ${mPlaced.join(", ") || "no backend"}); place ${mApp} on ${b} as well`);
            }
          }
        }
        if (!isRotatable(s)) continue;
        if (placed.includes("vault")) {
          const mechanism = vaultMechanism(s);
          if ((mechanism === "static-role" || mechanism === "transit") && cadenceSeconds(r) === undefined) {
            add(`${at}.rotation.scheduleExpression`, `${app}/${secret} is placed on vault in environment ${env}, where Vault rotates it on a period (${mechanism === "transit" ? "the transit key's auto_rotate_period" : "the static role's rotation_period"}); a cron() schedule has no period: use everyDays or rate(...)`);
          }
          if (mechanism === "static-role") {
            // One database user rotated by two backends: each sets a password the other does not know.
            const others = placed.filter((b) => b !== "vault");
            if (others.length > 0) {
              add(at, `${app}/${secret} is placed on vault and on ${others.join(" and ")} in environment ${env}: Vault's static role and the ${others.join("/")} rotation would each change the password of the same database user, and each backend's copy would stop working in turn; place ${app} on one of them in ${env} (environments.${env}.applications.${app}.backends)`);
            }
            // The secret's own connection (config/vault-databases.ts): its user must not be the one rotated.
            const connections = rawConnections(env, e.vault);
            const db = connections.find((c) => c.name === connectionNameOf(s, connections.map((c) => c.name)));
            const user = vaultStaticRoleUsername(app, secret);
            if (db && db.spec.username === user) {
              add(at, `would give Vault a static role for ${user}, the user Vault's own database connection logs in as (${db.at}.username): Vault must not rotate its own connection's password through a role; rename the secret or give Vault another connection user`);
            }
          }
        }
        if (!production) continue;
        const still = placed.filter((b) => !rotatesOn(b, s));
        if (still.includes("vault") && s.type === "token") {
          add(at, `is a token placed on vault in production environment ${env}, but Vault has no rotation of its own for an opaque token; place ${app} on aws or azure in ${env} (applications.${app}.backends or environments.${env}.applications.${app}.backends), where the platform's functions rotate it`);
        }
        const missing = still.filter((b) => !(b === "vault" && s.type === "token"));
        if (missing.length > 0) {
          const example = s.type === "postgres" ? "strategy: single-user, everyDays: 30" : "everyDays: 30";
          add(`${at}.rotation`, `is required: ${app}/${secret} is placed on ${missing.join(", ")} in production environment ${env}, and ${s.type} secrets must rotate on every backend that holds them (add rotation: { ${example} }, or place ${app} elsewhere)`);
        }
      }
    }
  }
};
