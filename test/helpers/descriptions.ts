// Valid descriptions to start from; tests break one thing at a time.
import * as path from "node:path";
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { parsePlatform, PlatformConfigError } from "../../config/load";

/** The example's public CA certificate (config/example-kubernetes-ca.pem), for descriptions that need a CA file. */
export const EXAMPLE_CA_FILE = path.join(__dirname, "..", "..", "config", "example-kubernetes-ca.pem");

/** A small valid description: one environment on AWS, one application, one workload. */
export function minimalDescription(): any {
  return {
    organization: "acme",
    environments: {
      dev: {
        aws: {
          accountId: "111111111111",
          region: "us-east-1",
          eks: { oidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC" },
        },
      },
    },
    applications: {
      myapp: {
        secrets: {
          jwt: { type: "jwt", algorithm: "HS256", rotation: { everyDays: 7 } },
          openai: { type: "api-key", expiresAfterDays: 90 },
        },
        workloads: { api: { kubernetes: { namespace: "myapp", serviceAccount: "myapp-api" }, reads: ["jwt", "openai"] } },
      },
    },
  };
}

export function toYaml(description: unknown): string {
  return stringify(description);
}

/**
 * The example description (config/platform.yaml) as plain data, with its file paths made absolute so that the
 * YAML it is turned back into validates from any folder.
 */
export function exampleDescription(): any {
  const configDir = path.join(__dirname, "..", "..", "config");
  const d = parse(readFileSync(path.join(configDir, "platform.yaml"), "utf8"));
  for (const e of Object.values<any>(d.environments)) {
    if (e.vault?.kubernetes?.caCertFile) e.vault.kubernetes.caCertFile = path.resolve(configDir, e.vault.kubernetes.caCertFile);
    if (e.vault?.database?.tlsCaFile) e.vault.database.tlsCaFile = path.resolve(configDir, e.vault.database.tlsCaFile);
  }
  return d;
}

/** The problems validation finds in a description, as "<path>: <message>" lines; none for a valid one. */
export function issuesOf(description: unknown): string[] {
  try {
    parsePlatform(toYaml(description), "test");
    return [];
  } catch (e) {
    if (!(e instanceof PlatformConfigError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}
