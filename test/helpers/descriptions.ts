// Valid descriptions to start from; tests break one thing at a time.
import { stringify } from "yaml";

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
