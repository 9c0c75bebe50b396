// The compiled app (dist/main.js, what `npm run synth` and cdktf.json run) on a description that combines stack
// groups, a created endpoint, kubernetes, a pipeline and two CA files, kept in its own folder and synthesized from a
// third folder with a relative PLATFORM_CONFIG: the CA paths resolve against the description file, not against the
// working directory or the bundle's own folder.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLE_CA_FILE, minimalDescription, toYaml } from "./helpers/descriptions";

const ROOT = path.resolve(__dirname, "..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "integration-compiled-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const pem = readFileSync(EXAMPLE_CA_FILE, "utf8");
const descriptionDir = path.join(tmp, "platform");
const workDir = path.join(tmp, "elsewhere", "deeper");
mkdirSync(path.join(descriptionDir, "certs"), { recursive: true });
mkdirSync(workDir, { recursive: true });
writeFileSync(path.join(descriptionDir, "certs", "cluster-ca.pem"), pem);
// A second file with a distinct name: each field must read its own file.
writeFileSync(path.join(descriptionDir, "certs", "db-ca.pem"), `${pem}\n`);
writeFileSync(
  path.join(descriptionDir, "platform.yaml"),
  toYaml({
    organization: "acme",
    environments: {
      dev: {
        aws: {
          ...minimalDescription().environments.dev.aws,
          network: {
            vpcId: "vpc-0a1b2c3d4e5f60001",
            subnetIds: ["subnet-0a1b2c3d4e5f60001"],
            securityGroupIds: ["sg-0a1b2c3d4e5f60001"],
            secretsManagerEndpoint: "create",
            vpcCidrBlocks: ["10.10.0.0/16"],
          },
          backend: { type: "s3", bucket: "acme-tfstate-dev", region: "us-east-1" },
        },
        vault: {
          address: "https://vault.dev.example.com:8200",
          kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: "certs/cluster-ca.pem" },
          database: { host: "pg.dev.example.com", dbname: "app", username: "vault", tlsCaFile: "./certs/db-ca.pem" },
          // A pipeline deploys these from CI, whose runners keep no state (issue 19).
          backend: { type: "s3", bucket: "acme-tfstate-dev", region: "us-east-1" },
        },
        kubernetes: { kubeconfigContext: "acme-dev", secretStoreBackend: "vault" },
        pipeline: { github: { repository: "acme/secrets-platform", environment: "dev" } },
      },
    },
    applications: {
      web: {
        // A stored value External Secrets syncs from Vault's KV (a rotating token there would warn: Vault cannot rotate it).
        secrets: { token: { type: "api-key" } },
        workloads: { api: { kubernetes: { namespace: "web", serviceAccount: "web-api", delivery: "external-secrets" }, reads: ["token"] } },
      },
      shop: {
        stackGroup: "team-b",
        secrets: { db: { type: "postgres", dynamic: true, rotation: { strategy: "single-user", everyDays: 30 } } },
        workloads: { api: { kubernetes: { namespace: "shop", serviceAccount: "shop-api", delivery: "vault-agent" }, reads: ["db"] } },
      },
    },
  }),
);

const outdir = path.join(tmp, "out");
const run = spawnSync(process.execPath, [path.join(ROOT, "dist", "main.js")], {
  cwd: workDir,
  encoding: "utf8",
  env: { ...process.env, PLATFORM_CONFIG: path.join("..", "..", "platform", "platform.yaml"), CDKTF_OUTDIR: outdir },
});
const stack = (name: string) => JSON.parse(readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
const only = (json: any, type: string) => Object.values(json.resource?.[type] ?? {}) as any[];

it("synthesizes every stack from a folder that is neither the project's nor the description's", () => {
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout).toContain("aws-dev, aws-dev-team-b, vault-dev, vault-dev-team-b, kubernetes-dev, kubernetes-dev-team-b, bootstrap-dev");
});

it("reads each CA file relative to the description file, into the field that names it", () => {
  const vault = stack("vault-dev");
  expect(only(vault, "vault_kubernetes_auth_backend_config")[0].kubernetes_ca_cert).toBe(pem);
  const connections = only(vault, "vault_database_secret_backend_connection");
  expect(connections).toHaveLength(1);
  expect(connections[0].postgresql.tls_ca).toBe(`${pem}\n`);
});

it("records in the manifest that aws-dev-team-b deploys after aws-dev, whose endpoint its rotation uses, and each kubernetes stack after its group's", () => {
  const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  expect(manifest.stacks["aws-dev-team-b"].dependencies).toEqual(["aws-dev"]);
  expect(only(stack("aws-dev"), "aws_vpc_endpoint")).toHaveLength(1);
  // Each holds the IRSA roles its group's service accounts name; vault-dev hands them no value (roles are named by convention).
  expect(manifest.stacks["kubernetes-dev"].dependencies.sort()).toEqual(["aws-dev"]);
  expect(manifest.stacks["kubernetes-dev-team-b"].dependencies.sort()).toEqual(["aws-dev-team-b"]);
});

it("keeps local state paths relative to each stack's folder, so the output can move", () => {
  // aws-dev and vault-dev keep remote state, which a pipeline requires; bootstrap-dev and the kubernetes stacks, which a person applies, keep local state.
  expect(stack("aws-dev").terraform.backend.s3.key).toBe("secrets-platform/aws-dev.tfstate");
  for (const name of ["kubernetes-dev", "kubernetes-dev-team-b", "bootstrap-dev"]) {
    const local = stack(name).terraform.backend.local.path;
    expect(local).toBe(`../../../terraform.${name}.tfstate`);
  }
});
