// Descriptions the Vault tests share: a second platform with several applications, Kubernetes and AppRole
// workloads, dynamic PostgreSQL credentials and non-default Vault settings, plus a small valid base for
// bad-input tests.
import { stringify } from "yaml";
import { EXAMPLE_CA_FILE } from "./helpers/descriptions";

export const SECOND_DESCRIPTION = `
organization: globex
environments:
  qa:
    vault:
      address: https://vault.qa.example.com:8200
      namespace: platform
      kvMount: apps
      kvMaxVersions: 5
      kubernetes:
        host: https://k8s.qa.example.com:6443
        caCertFile: ${EXAMPLE_CA_FILE}
        authPath: k8s-qa
        audience: vault-qa
        tokenTtlSeconds: 900
        tokenMaxTtlSeconds: 3600
      approlePath: approle-qa
      audit:
        - { type: file, path: /var/log/vault/audit.log }
        - { type: socket, address: "audit.qa.example.com:9090", socketType: udp }
        - { type: file, path: /var/log/vault/audit-2.log }
      database:
        mount: pg
        host: pg.qa.example.com
        dbname: orders
        username: vault_admin
        sslmode: require
        defaultTtlSeconds: 1800
        maxTtlSeconds: 7200
  live:
    production: true
    vault:
      address: https://vault.live.example.com:8200
      kubernetes:
        host: https://k8s.live.example.com:6443
        caCertFile: ${EXAMPLE_CA_FILE}
      database:
        host: pg.live.example.com
        dbname: orders
        username: vault_admin
        passwordVersion: 3
        tlsCaFile: ${EXAMPLE_CA_FILE}
      backend: { type: s3, bucket: globex-tfstate, region: eu-west-1 }
applications:
  orders:
    secrets:
      db: { type: postgres, dynamic: true }
      stripe: { type: api-key }
      # A rotating jwt on Vault is a transit key (ecdsa-p256) that Vault rotates; nothing is stored at its KV path.
      signing: { type: jwt, algorithm: ES256, rotation: { everyDays: 7 } }
    workloads:
      api:
        kubernetes: { namespace: orders, serviceAccount: orders-api }
        reads: [db, signing]
      batch:
        approle: { boundCidrs: [10.20.0.0/16], secretIdTtlSeconds: 3600, tokenTtlSeconds: 600, tokenMaxTtlSeconds: 1200 }
        reads: [db, stripe]
  billing-core:
    secrets:
      ledger_db: { type: postgres, dynamic: true }
      # Stored KV values: Vault has no rotation for a token, which production (live) refuses on Vault.
      token: { type: api-key }
    workloads:
      worker:
        kubernetes: { namespace: billing, serviceAccount: billing-worker }
        reads: [ledger_db, token]
  reports:
    secrets:
      # Single-user on Vault: a static role rotates the existing user reports_warehouse every 30 days.
      warehouse: { type: postgres, rotation: { strategy: single-user, everyDays: 30 } }
      unused: { type: api-key }
    workloads:
      exporter:
        approle: {}
        reads: [warehouse]
  archive:
    secrets:
      key: { type: api-key }
`;

/** A small valid description with a Vault environment; tests change one thing at a time. */
export function baseDescription(): any {
  return {
    organization: "acme",
    environments: {
      dev: {
        vault: {
          address: "https://vault.dev.example.com:8200",
          kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE },
        },
      },
    },
    applications: {
      myapp: {
        secrets: {
          database: { type: "postgres" },
          jwt: { type: "jwt" },
        },
        workloads: {
          api: {
            kubernetes: { namespace: "myapp", serviceAccount: "myapp-api" },
            reads: ["database", "jwt"],
          },
        },
      },
    },
  };
}

export function toYaml(description: unknown): string {
  return stringify(description);
}
