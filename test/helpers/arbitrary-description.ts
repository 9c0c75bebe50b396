// fast-check generators of valid platform descriptions whose names sit at the schema's edges: single characters,
// digits, dashes (and underscores in secret names), and maximum lengths, across every backend, delivery, secret type
// and rotation strategy, Kubernetes and AppRole workloads, with one or several Vault database connections.
// test/names-at-edges.test.ts synthesizes them; extend the generators here when the description grows (a new backend,
// delivery or secret type).
//
// Every description generated here must validate: where two names together have a provider limit that validation
// enforces (IAM role names of 64, PostgreSQL identifiers of 63, Key Vault names of 24), the generator keeps within
// it, as a user must. What it does not generate is listed in LEFT_OUT below.
import fc from "fast-check";
import { EXAMPLE_CA_FILE } from "./descriptions";

/** The schema's maximum lengths (config/schema.ts). */
export const NAME_MAX = { organization: 32, environment: 24, application: 40, workload: 40, secret: 40 } as const;

/** What the generators leave out, so that a reader knows what the property does not cover. */
export const LEFT_OUT = ["stack groups", "pipeline (bootstrap) blocks", "production environments", "several environments in one description"];

/** IAM role names: 64 characters (validation refuses a longer <org>-<env>-<app>-<workload>). */
const IAM_ROLE_NAME_MAX = 64;
/** PostgreSQL identifiers: 63 bytes (NAMEDATALEN - 1); a static role's user is <app>_<secret>. */
const PG_IDENTIFIER_MAX = 63;
/** Key Vault names: 3 to 24 characters; <org>-<env>-kv unless azure.keyVaultName is set. */
const KEY_VAULT_NAME_MAX = 24;

const isSeparator = (c: string | undefined) => c === "-" || c === "_";

/** Turns random characters into a name of the schema's grammar: a letter first, single separators, none last. */
function shapeName(chars: readonly string[]): string {
  const out: string[] = [];
  chars.forEach((c, i) => {
    if (i === 0 && !/[a-z]/.test(c)) c = "a";
    else if (isSeparator(c) && (isSeparator(out[i - 1]) || i === chars.length - 1)) c = "0";
    out.push(c);
  });
  return out.join("");
}

/**
 * A name of the schema's grammar ([a-z][a-z0-9]*(-[a-z0-9]+)*, with _ too for secrets) between 1 and `max`
 * characters, biased to the edges: 1, 2, max - 1 and max characters, digits and separators.
 */
export function edgeName(max: number, options: { underscore?: boolean } = {}): fc.Arbitrary<string> {
  const alphabet = ["a", "k", "z", "0", "9", "-", "-", ...(options.underscore ? ["_"] : [])];
  const lengths = [...new Set([1, 2, Math.max(1, max - 1), max])];
  return fc
    .oneof(fc.constantFrom(...lengths), fc.integer({ min: 1, max }))
    .chain((n) => fc.array(fc.constantFrom(...alphabet), { minLength: n, maxLength: n }))
    .map(shapeName);
}

export type Backend = "aws" | "vault" | "azure";
export type SecretKind = "pg-single" | "pg-alternating" | "pg-dynamic" | "pg-plain" | "jwt" | "token" | "token-static" | "api-key";

export interface GeneratedSecret {
  readonly name: string;
  readonly kind: SecretKind;
  readonly spec: Record<string, unknown>;
}

export interface GeneratedDescription {
  /** The description, ready for toYaml / parsePlatform. */
  readonly description: any;
  readonly env: string;
  readonly backends: readonly Backend[];
  /** The Vault connections of the environment, by name. */
  readonly databases: readonly string[];
}

const uniqueNames = (arb: fc.Arbitrary<string>, min: number, max: number, key: (n: string) => string = (n) => n) =>
  fc.uniqueArray(arb, { minLength: min, maxLength: max, selector: key });

/** Non-empty subsets of the backends, in the platform's order. */
const backendSet = fc
  .subarray<Backend>(["aws", "vault", "azure"], { minLength: 1 })
  .map((l) => (["aws", "vault", "azure"] as const).filter((b) => l.includes(b)));

function rotationCadence(onlyAws: boolean): fc.Arbitrary<Record<string, unknown>> {
  const days = fc.constantFrom(1, 7, 30, 365).map((everyDays) => ({ everyDays }));
  if (!onlyAws) return days;
  // Secrets Manager alone reads schedule expressions: rate() from 4 hours, and cron() (EventBridge's six fields).
  return fc.oneof(
    days,
    fc.constantFrom("rate(4 hours)", "rate(1 days)", "cron(0 4 ? * SUN *)", "cron(0 0 1 * ? *)", "cron(0 8,20 L * ? *)").map((scheduleExpression) => ({ scheduleExpression })),
  );
}

/**
 * One application: its placement, its secrets (edge names, every kind, at most one dynamic postgres secret as
 * validation demands), its workloads (edge names within the IAM role budget) and their deliveries.
 */
function application(
  app: string,
  environmentBackends: readonly Backend[],
  databases: readonly string[],
  workloadMax: number,
): fc.Arbitrary<{ spec: any; placement: Backend[]; workloads: string[] }> {
  const secretKinds = fc
    .array(fc.constantFrom<SecretKind>("pg-single", "pg-alternating", "pg-dynamic", "pg-plain", "jwt", "token", "token-static", "api-key"), { minLength: 1, maxLength: 5 })
    // One dynamic postgres secret per application (Vault issues one database role per application).
    .map((kinds) => {
      let dynamic = false;
      return kinds.filter((k) => {
        if (k !== "pg-alternating" && k !== "pg-dynamic") return true;
        if (dynamic) return false;
        return (dynamic = true);
      });
    });
  // A static role's user <app>_<secret> is a PostgreSQL identifier: 63 characters.
  const secretMax = Math.min(NAME_MAX.secret, PG_IDENTIFIER_MAX - app.length - 1);
  return fc
    .record({
      kinds: secretKinds,
      names: uniqueNames(edgeName(secretMax, { underscore: true }), 8, 8, (n) => n.replace(/_/g, "-")),
      placementChoice: fc.subarray([...environmentBackends], { minLength: 1 }),
      vaultOnlyForStatic: fc.boolean(),
      algorithm: fc.constantFrom("HS256", "RS256", "ES256"),
      tokenLength: fc.constantFrom(16, 48, 256),
      database: fc.constantFrom(...(databases.length > 0 ? databases : ["default"])),
      cadence: fc.boolean(),
    })
    .chain(({ kinds, names, placementChoice, vaultOnlyForStatic, algorithm, tokenLength, database, cadence }) => {
      let placement = placementChoice as Backend[];
      // A single-user secret on Vault is a static role; one user rotated by Vault and by another backend is refused.
      if (kinds.includes("pg-single") && placement.includes("vault") && placement.length > 1) {
        placement = vaultOnlyForStatic ? ["vault"] : placement.filter((b) => b !== "vault");
      }
      const onlyAws = placement.length === 1 && placement[0] === "aws";
      const masterName = names[7];
      return fc.tuple(fc.array(rotationCadence(onlyAws && cadence), { minLength: kinds.length, maxLength: kinds.length })).chain(([cadences]) => {
        const secrets: Record<string, any> = {};
        const needsConnection: string[] = [];
        kinds.forEach((kind, i) => {
          const name = names[i];
          const rotation = cadences[i];
          switch (kind) {
            case "pg-single":
              secrets[name] = { type: "postgres", rotation: { strategy: "single-user", ...rotation } };
              needsConnection.push(name);
              break;
            case "pg-alternating":
              secrets[name] = { type: "postgres", rotation: { strategy: "alternating-users", ...rotation, masterSecret: `${app}/${masterName}` } };
              secrets[masterName] = { type: "postgres", description: "the master user of alternating-users rotation" };
              needsConnection.push(name);
              break;
            case "pg-dynamic":
              secrets[name] = { type: "postgres", dynamic: true };
              needsConnection.push(name);
              break;
            case "pg-plain":
              secrets[name] = { type: "postgres" };
              break;
            case "jwt":
              secrets[name] = { type: "jwt", algorithm, rotation };
              break;
            case "token":
              secrets[name] = { type: "token", length: tokenLength, rotation };
              break;
            case "token-static":
              secrets[name] = { type: "token", length: tokenLength };
              break;
            case "api-key":
              secrets[name] = { type: "api-key", expiresAfterDays: 90 };
              break;
          }
        });
        // Several connections: each postgres secret that uses one names it.
        if (placement.includes("vault") && databases.length > 1) {
          for (const name of needsConnection) secrets[name].vaultDatabase = database;
        }
        const secretNames = Object.keys(secrets);
        return fc
          .tuple(
            uniqueNames(edgeName(workloadMax), 1, 2),
            fc.array(fc.subarray(secretNames, { minLength: 1 }), { minLength: 2, maxLength: 2 }),
            fc.array(fc.constantFrom("sdk", "external-secrets", "vault-agent"), { minLength: 2, maxLength: 2 }),
            fc.array(fc.constantFrom<Backend>(...placement), { minLength: 2, maxLength: 2 }),
            fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
          )
          .map(([workloadNames, readsList, deliveries, externalBackends, approles]) => {
            const workloads: Record<string, any> = {};
            workloadNames.forEach((workload, i) => {
              const reads = readsList[i];
              // A workload outside Kubernetes logs in to Vault with AppRole (Vault only).
              if (approles[i] && placement.includes("vault")) {
                workloads[workload] = { approle: { secretIdTtlSeconds: 600 }, reads };
                return;
              }
              const kubernetes: Record<string, unknown> = { namespace: `${app}-${workload}`, serviceAccount: `${app}-${workload}` };
              const delivery = chooseDelivery(deliveries[i], externalBackends[i], placement, reads.map((r) => secrets[r]));
              Object.assign(kubernetes, delivery);
              workloads[workload] = { kubernetes, reads };
            });
            return { spec: { backends: placement, secrets, workloads }, placement, workloads: workloadNames };
          });
      });
    });
}

/** A delivery the description allows for these reads: the one wanted, else the SDK. */
function chooseDelivery(wanted: string, backend: Backend, placement: readonly Backend[], reads: any[]): Record<string, unknown> {
  if (wanted === "vault-agent" && placement.includes("vault")) return { delivery: "vault-agent" };
  if (wanted === "external-secrets") {
    // External Secrets' Vault provider reads KV values only: no dynamic, static-role or transit secret.
    const kvOnly = reads.every((s) => !((s.type === "postgres" && (s.dynamic || s.rotation)) || (s.type === "jwt" && s.rotation)));
    if (backend !== "vault" || kvOnly) return { delivery: "external-secrets", backend };
  }
  // The SDK: the workload's backend still decides what it reads from (the environment's default may not hold the app).
  return { backend };
}

/** The Vault connections: the single `database` form, or a map of one to three with edge names. */
const vaultDatabases = fc.oneof(
  fc.constant({ single: true, names: ["default"] }),
  uniqueNames(edgeName(NAME_MAX.environment), 1, 3).map((names) => ({ single: false, names })),
);

function connection(name: string, i: number) {
  return { host: `pg-${i}.example.com`, dbname: name.replace(/-/g, "_"), username: "vault_admin", tlsCaFile: EXAMPLE_CA_FILE };
}

/** A valid description of one environment with names at the schema's edges. */
export function arbitraryDescription(): fc.Arbitrary<GeneratedDescription> {
  return fc
    .record({
      organization: edgeName(NAME_MAX.organization),
      env: edgeName(NAME_MAX.environment),
      backends: backendSet,
      databases: vaultDatabases,
      azureRotation: fc.boolean(),
      appCount: fc.integer({ min: 1, max: 2 }),
    })
    .chain(({ organization, env, backends, databases, azureRotation, appCount }) => {
      // IAM role <org>-<env>-<app>-<workload>: what is left for app and workload.
      const budget = IAM_ROLE_NAME_MAX - organization.length - env.length - 3;
      const appMax = Math.min(NAME_MAX.application, budget - 2);
      const dbNames = backends.includes("vault") ? databases.names : [];
      return uniqueNames(edgeName(appMax), appCount, appCount)
        .chain((apps) =>
          fc.tuple(...apps.map((app) => application(app, backends, dbNames, Math.min(NAME_MAX.workload, budget - app.length - 1)))).map((built) => ({ apps, built })),
        )
        // Vault policy names <env>-<app>-<workload> must not meet across applications (validation refuses it).
        .filter(({ apps, built }) => {
          const names = apps.flatMap((app, i) => built[i].workloads.map((w) => `${app}-${w}`));
          return new Set(names).size === names.length;
        })
        .map(({ apps, built }) => {
          const environment: Record<string, any> = { production: false, kubernetes: { kubeconfigContext: "edge", secretStoreBackend: backends[0] } };
          if (backends.includes("aws")) {
            environment.aws = {
              accountId: "111111111111",
              region: "us-east-1",
              eks: { oidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EDGE" },
            };
          }
          if (backends.includes("vault")) {
            environment.vault = { address: "https://vault.example.com:8200", kubernetes: { host: "https://k8s.example.com:6443", caCertFile: EXAMPLE_CA_FILE } };
            if (databases.single) environment.vault.database = connection("default", 0);
            else environment.vault.databases = Object.fromEntries(databases.names.map((n, i) => [n, connection(n, i)]));
          }
          if (backends.includes("azure")) {
            const sub = "00000000-0000-0000-0000-000000000001";
            const network = `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet`;
            environment.azure = {
              subscriptionId: sub,
              tenantId: "00000000-0000-0000-0000-0000000000aa",
              location: "eastus",
              resourceGroupName: "rg-edge",
              privateEndpoint: { subnetId: `${network}/subnets/pe`, virtualNetworkId: network },
              aksOidcIssuerUrl: "https://eastus.oic.prod-aks.azure.com/tenant/cluster/",
              logAnalyticsWorkspaceId: `/subscriptions/${sub}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/law`,
              ...(azureRotation ? { rotation: { subnetId: `${network}/subnets/rotation` } } : {}),
            };
            // <org>-<env>-kv has 24 characters at most; a longer pair names its vault, as a user must.
            if (`${organization}-${env}-kv`.length > KEY_VAULT_NAME_MAX) environment.azure.keyVaultName = `kv-${env.slice(0, 18).replace(/-+$/, "")}x`;
          }
          const applications = Object.fromEntries(apps.map((app, i) => [app, built[i].spec]));
          return {
            description: { organization, environments: { [env]: environment }, applications },
            env,
            backends,
            databases: dbNames,
          };
        });
    });
}
