// The Kubernetes side: each workload's delivery needs the backend it reads from, that backend must hold the
// application's secrets, and no two workloads may build the same Kubernetes object.
import { backendsOf, deliveryOf, workloadBackend } from "../kubernetes";
import { kubernetesSecretName, secretProviderClassName, secretStoreName } from "../naming";
import { placement, vaultMechanism } from "../placement";
import { Add, Check, entries, isMap, Loose } from "./shared";

/**
 * The Kubernetes side (docs/kubernetes.md): in every environment with a kubernetes block, each workload's delivery
 * needs the backend it reads from, that backend must hold the application's secrets, and no two workloads may build
 * the same Kubernetes object.
 */
export const checkKubernetes: Check = ({ raw, envs, apps }, add) => {
  for (const [app, spec] of apps) {
    for (const [workload, w] of entries(spec.workloads)) {
      if (w.delivery === undefined) continue;
      add(
        `applications.${app}.workloads.${workload}.delivery`,
        isMap(w.kubernetes)
          ? "belongs under kubernetes: write kubernetes: { namespace, serviceAccount, delivery }"
          : "a workload without kubernetes (namespace, serviceAccount) has no pod to deliver secrets to; remove delivery, or give the workload a kubernetes block",
      );
    }
  }
  const withCluster = envs.filter(([, e]) => isMap(e.kubernetes));
  for (const [env, e] of withCluster) {
    const has = backendsOf(e);
    const chosen = e.kubernetes.secretStoreBackend;
    const storeOk = typeof chosen !== "string" || has.includes(chosen as never);
    if (!storeOk) {
      add(`environments.${env}.kubernetes.secretStoreBackend`, `is ${chosen}, but environment ${env} has no ${chosen} block; use one of ${has.join(", ")}`);
    }
    for (const [app, spec] of apps) {
      const placed = placement(raw, env, app);
      for (const [workload, w] of entries(spec.workloads)) {
        if (!isMap(w.kubernetes)) continue;
        const at = `applications.${app}.workloads.${workload}.kubernetes`;
        if (placed.length === 0) {
          // Placed on nothing, the application does not exist here: a workload of it in this cluster has nothing to read.
          add(at, `${app}/${workload} runs in the cluster of environment ${env}, but application ${app} is placed on no backend there, so it has nothing to read; place ${app} on one of ${has.join(", ")} in ${env} (environments.${env}.applications.${app}.backends)`);
          continue;
        }
        const delivery = deliveryOf(w.kubernetes);
        const explicit = typeof w.kubernetes.backend === "string";
        if (delivery === "vault-agent") {
          if (explicit && w.kubernetes.backend !== "vault") add(`${at}.backend`, `is ${w.kubernetes.backend}, but the Vault Agent reads from Vault; remove backend or choose another delivery`);
          if (!isMap(e.vault)) add(`${at}.delivery`, `vault-agent needs Vault, but environment ${env} has no vault block; use external-secrets or sdk, or add vault to ${env}`);
          else if (!placed.includes("vault")) add(`${at}.delivery`, `vault-agent reads from Vault, but application ${app} is not placed on vault in environment ${env}`);
          continue;
        }
        if (!explicit && !storeOk) continue; // reported once, on secretStoreBackend
        const backend = workloadBackend(w.kubernetes, e);
        const where = explicit ? `${at}.backend` : `environments.${env}.kubernetes.secretStoreBackend`;
        if (!backend) continue;
        if (!has.includes(backend)) {
          add(where, `is ${backend}, but environment ${env} has no ${backend} block; use one of ${has.join(", ")}`);
          continue;
        }
        if (!placed.includes(backend)) {
          add(where, `${app}/${workload} reads from ${backend} in environment ${env}, but application ${app} is not placed on ${backend} there (it is on ${placed.join(", ") || "no backend"})`);
          continue;
        }
        if (delivery !== "external-secrets") continue;
        // A named cluster always has an IAM OIDC provider (given, or created in aws-<env>).
        if (backend === "aws" && !(isMap(e.aws) && isMap(e.aws.eks)) && !isMap(e.kubernetes.clusters)) {
          add(`environments.${env}.aws.eks`, `is required: ${app}/${workload} syncs from AWS with External Secrets, which authenticates as its service account through IRSA (eks.oidcProviderArn)`);
        }
        if (backend === "vault") {
          const own = isMap(spec.secrets) ? spec.secrets : {};
          const reads: unknown[] = Array.isArray(w.reads) ? w.reads : [];
          for (const r of reads) {
            const s = typeof r === "string" ? own[r] : undefined;
            if (!isMap(s)) continue;
            const mechanism = vaultMechanism(s);
            if (mechanism === "dynamic-role") {
              add(`${at}.delivery`, `${app}/${workload} reads ${r}, a dynamic postgres secret, from Vault: External Secrets' Vault provider reads KV secrets only; use vault-agent or sdk for this workload`);
            } else if (mechanism !== "kv") {
              const what = mechanism === "transit" ? "a jwt whose signing key is a transit key that never leaves Vault" : "a postgres secret whose password Vault's static role rotates";
              add(`${at}.delivery`, `${app}/${workload} reads ${r}, ${what}, from Vault: External Secrets' Vault provider reads KV secrets only and nothing is stored at its KV path; use vault-agent or sdk for this workload, or sync it from another backend`);
            }
          }
        }
      }
    }
  }
  // Service accounts carry the workloads' identities whether or not a kubernetes stack creates them.
  checkKubernetesNames(apps, add);
};

/**
 * Every object the kubernetes stacks build is named from the description; two workloads must not build the same one,
 * in the same cluster. Two workloads of one namespace that read the same secret, synced alike, share its ExternalSecret
 * and Secret (the kubernetes stack builds it once).
 */
function checkKubernetesNames(apps: [string, Loose][], add: Add): void {
  const seen = new Map<string, { at: string; same?: string }>();
  const claim = (key: string, at: string, what: string, why = "", same?: string) => {
    const twin = seen.get(key);
    if (!twin) seen.set(key, { at, same });
    else if (same === undefined || twin.same !== same) add(at, `${what} is also built for ${twin.at}${why}; rename one of them or put them in different namespaces`);
  };
  for (const [app, spec] of apps) {
    for (const [workload, w] of entries(spec.workloads)) {
      const k = w.kubernetes;
      if (!isMap(k) || typeof k.namespace !== "string" || typeof k.serviceAccount !== "string") continue;
      const at = `applications.${app}.workloads.${workload}.kubernetes`;
      // Objects of different clusters never meet (a workload's cluster is the same name in every environment).
      const cluster = typeof k.cluster === "string" ? `${k.cluster}:` : "";
      // Each workload's IAM role, managed identity and Vault role trust exactly one service account.
      claim(
        `${cluster}ServiceAccount ${k.namespace}/${k.serviceAccount}`,
        `${at}.serviceAccount`,
        `service account ${k.namespace}/${k.serviceAccount}`,
        " (a service account carries one identity: one IAM role annotation, one Azure managed identity)",
      );
      const delivery = deliveryOf(k);
      if (delivery === "csi") claim(`${cluster}SecretProviderClass ${k.namespace}/${secretProviderClassName(app, workload)}`, at, `SecretProviderClass ${k.namespace}/${secretProviderClassName(app, workload)}`);
      if (delivery !== "external-secrets") continue;
      claim(`${cluster}SecretStore ${k.namespace}/${secretStoreName(app, workload)}`, at, `SecretStore ${k.namespace}/${secretStoreName(app, workload)}`);
      const reads: unknown[] = Array.isArray(w.reads) ? w.reads : [];
      const shaped = isMap(k.secrets) ? k.secrets : {};
      for (const r of new Set(reads)) {
        if (typeof r !== "string") continue;
        const s = isMap(shaped[r]) ? shaped[r] : {};
        const name = typeof s.secretName === "string" ? s.secretName : kubernetesSecretName(app, r);
        // The same secret from the same backend, shaped alike: one object serves both workloads.
        const same = JSON.stringify([app, r, k.backend ?? null, s.template ?? null, s.refreshInterval ?? null]);
        claim(
          `${cluster}Secret ${k.namespace}/${name}`,
          typeof s.secretName === "string" ? `${at}.secrets.${r}.secretName` : at,
          `ExternalSecret and Secret ${k.namespace}/${name}`,
          " (a shared Secret must be the same secret from the same backend with the same template and refreshInterval)",
          same,
        );
      }
    }
  }
}
