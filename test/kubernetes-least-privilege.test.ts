// Least privilege end to end (issue 13, point 3): for every Kubernetes workload, on every backend and delivery, the
// secrets its ExternalSecrets and Vault Agent annotations reach are exactly its `reads`, and so are the secrets the
// identity they authenticate as is granted on that backend (read from the backend stack's synthesized grants).
import { stringify } from "yaml";
import { keyVaultSecretName } from "../config/naming";
import { agentSecretPaths } from "../constructs/kubernetes/vault-agent-annotations";
import { accessMatrix } from "../review/access";
import { exampleApp, kubeObjects, synthApp, AppOutput } from "./helpers/kubernetes";
import { exampleDescription } from "./helpers/descriptions";

type Case = { label: string; env: string; out: AppOutput; description: any };

function exampleWith(delivery: string, backend: string): any {
  const d = exampleDescription();
  if (delivery === "external-secrets" && backend === "vault") {
    // External Secrets' Vault provider reads KV only: in dev (not production) myapp's database and jwt without rotation
    // are stored KV values rather than dynamic logins and a transit key. Only dev is synthesized here.
    for (const env of ["staging", "prod"]) delete d.environments[env];
    delete d.applications.myapp.secrets.database.rotation;
    delete d.applications.myapp.secrets.jwt.rotation;
  }
  for (const [app, a] of Object.entries<any>(d.applications)) {
    // One namespace per workload: two workloads syncing the same secret into one namespace would meet in Secret <app>-<secret>.
    for (const [name, w] of Object.entries<any>(a.workloads ?? {})) if (w.kubernetes) Object.assign(w.kubernetes, { delivery, backend, namespace: `${app}-${name}` });
  }
  return d;
}

const cases: Case[] = [
  ...[
    ["external-secrets", "aws"],
    ["external-secrets", "vault"],
    ["external-secrets", "azure"],
    ["vault-agent", "vault"],
  ].map(([delivery, backend]) => {
    const description = exampleWith(delivery, backend);
    return { label: `every workload on ${delivery} from ${backend}`, env: "dev", description, out: synthApp(stringify(description), { environments: ["dev"], backends: ["kubernetes"] }) };
  }),
  ...["dev", "staging", "prod"].map((env) => ({ label: `the example's mixed deliveries in ${env}`, env, description: exampleDescription(), out: exampleApp() })),
];

/** The service account a SecretStore authenticates as, wherever its provider keeps serviceAccountRef. */
function storeServiceAccount(store: any): string | undefined {
  const p = store.spec.provider;
  return (p.aws?.auth?.jwt ?? p.vault?.auth?.kubernetes ?? p.azurekv)?.serviceAccountRef?.name;
}

/**
 * Logical path of a Vault path an agent renders or a policy grants: KV data, an application's dynamic credentials
 * (<db>/creds/<env>-<app>, the app's one dynamic secret), a static role's or a transit key's (<env>-<app>--<secret>).
 */
function vaultLogicalPath(env: string, description: any, mount: string, vaultPath: string): string {
  const p = vaultPath.replace(/ \(.*\)$/, "");
  if (p.startsWith(`${mount}/data/`)) return p.slice(`${mount}/data/`.length);
  const [, kind, name] = p.split("/");
  if (!["creds", "static-creds", "keys"].includes(kind)) return p; // the access matrix names KV secrets by their logical path
  if (kind === "creds") {
    const app = name.slice(env.length + 1);
    const secrets = Object.entries<any>(description.applications[app].secrets);
    const [secret] = secrets.find(([, s]) => s.type === "postgres" && (s.dynamic || s.rotation?.strategy === "alternating-users"))!;
    return `${env}/${app}/${secret}`;
  }
  const [envApp, secret] = name.split("--");
  return `${env}/${envApp.slice(env.length + 1)}/${secret}`;
}

/** Logical path of a key a store reads: the path itself on Secrets Manager and Vault KV, <app>--<secret> on Key Vault. */
function logicalPath(env: string, description: any, key: string): string {
  for (const [app, a] of Object.entries<any>(description.applications)) {
    for (const secret of Object.keys(a.secrets)) if (key === keyVaultSecretName(app, secret)) return `${env}/${app}/${secret}`;
  }
  return key;
}

describe.each(cases.map((c) => [c.label, c] as const))("%s", (_, { env, out, description }) => {
  const k8s = out.json[`kubernetes-${env}`];
  const objects = kubeObjects(k8s);
  const backendStacks = (["aws", "vault", "azure"] as const).map((b) => ({ name: `${b}-${env}`, backend: b, json: out.json[`${b}-${env}`] }));
  const access = accessMatrix(backendStacks);
  const workloads = Object.entries<any>(description.applications).flatMap(([app, a]) =>
    Object.entries<any>(a.workloads ?? {})
      .filter(([, w]) => w.kubernetes)
      .map(([name, w]) => ({ app, name, k: w.kubernetes, reads: (w.reads as string[]).map((r) => `${env}/${app}/${r}`).sort() })),
  );

  it.each(workloads.map((w) => [`${w.app}/${w.name}`, w] as const))("%s reaches exactly what it reads", (_, w) => {
    const stores = objects.filter((o) => o.kind === "SecretStore" && o.namespace === w.k.namespace && storeServiceAccount(o.body) === w.k.serviceAccount);
    const storeNames = stores.map((s) => s.name);
    const synced = objects
      .filter((o) => o.kind === "ExternalSecret" && o.namespace === w.k.namespace && storeNames.includes(o.body.spec.secretStoreRef.name))
      .flatMap((o) => [...(o.body.spec.dataFrom ?? []).map((d: any) => d.extract.key), ...(o.body.spec.data ?? []).map((d: any) => d.remoteRef.key)])
      .map((key) => logicalPath(env, description, key))
      .sort();
    const annotations = (k8s.output?.[`vault-agent-annotations-${w.app}-${w.name}`]?.value ?? {}) as Record<string, string>;
    const mount = String(out.json[`vault-${env}`]?.output?.kv_mount?.value);
    const rendered = agentSecretPaths(annotations).map((p) => vaultLogicalPath(env, description, mount, p)).sort();

    const delivery = w.k.delivery ?? "sdk";
    const backend = delivery === "vault-agent" ? "vault" : (w.k.backend ?? description.environments[env].kubernetes.secretStoreBackend);
    expect({ synced, rendered }).toEqual({
      synced: delivery === "external-secrets" ? w.reads : [],
      rendered: delivery === "vault-agent" ? w.reads : [],
    });
    if (delivery === "sdk") return;
    expect(stores).toHaveLength(delivery === "external-secrets" ? 1 : 0);

    // The identity the store or agent logs in as is granted exactly the same secrets on that backend.
    const principal = `k8s ${w.k.namespace}/${w.k.serviceAccount}`;
    const granted = access.filter((r) => r.workload === principal && r.backend === backend);
    const grantedPaths = granted.map((r) => (backend === "vault" ? vaultLogicalPath(env, description, mount, r.secret) : r.secret)).sort();
    expect(grantedPaths).toEqual(w.reads);
    // Read, or sign with a transit key that never leaves Vault: nothing that writes a secret.
    expect(granted.every((r) => r.permission.startsWith("read") || (backend === "vault" && r.permission.startsWith("sign (")))).toBe(true);
    if (backend === "vault") {
      const role = delivery === "vault-agent" ? annotations["vault.hashicorp.com/role"] : stores[0].body.spec.provider.vault.auth.kubernetes.role;
      for (const r of granted) expect(r.authentication).toContain(`role ${role} `);
    }
  });
});
