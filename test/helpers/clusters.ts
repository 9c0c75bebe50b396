// A real estate with two clusters in one environment (issue 20): an EKS cluster whose IAM OIDC provider exists and an
// AKS cluster without one, dashed names everywhere, an External Secrets template, shared Secrets and CSI workloads on
// every backend. Tests break one thing at a time from here.
import { EXAMPLE_CA_FILE } from "./descriptions";

export const EKS_ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
export const EKS_PROVIDER_ARN = "arn:aws:iam::222222222222:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
export const AKS_ISSUER = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/22222222-2222-2222-2222-222222222222/";

export function twoClusterDescription(): any {
  return {
    organization: "acme-corp",
    environments: {
      "prod-eu": {
        production: false,
        aws: { accountId: "222222222222", region: "eu-west-1" },
        vault: { address: "https://vault.prod-eu.example.com:8200" },
        azure: {
          subscriptionId: "00000000-0000-0000-0000-000000000001",
          tenantId: "00000000-0000-0000-0000-0000000000aa",
          location: "westeurope",
          resourceGroupName: "rg-secrets-prod-eu",
          privateEndpoint: {
            subnetId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe",
            virtualNetworkId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet",
          },
          aksOidcIssuerUrl: AKS_ISSUER,
          logAnalyticsWorkspaceId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/law",
        },
        kubernetes: {
          secretStoreBackend: "aws",
          clusters: {
            "eks-main": {
              kubeconfigContext: "eks-main-ctx",
              oidcIssuerUrl: EKS_ISSUER,
              awsOidcProviderArn: EKS_PROVIDER_ARN,
              host: "https://eks-main.eu-west-1.eks.amazonaws.com",
              caCertFile: EXAMPLE_CA_FILE,
            },
            "aks-west": {
              kubeconfigContext: "aks-west-ctx",
              oidcIssuerUrl: AKS_ISSUER,
              host: "https://aks-west.hcp.westeurope.azmk8s.io:443",
              caCertFile: EXAMPLE_CA_FILE,
            },
          },
        },
      },
    },
    applications: {
      "billing-api": {
        secrets: {
          "db-main": { type: "postgres" },
          "session-key": { type: "token" },
          "partner-key": { type: "api-key" },
        },
        workloads: {
          "web-front": {
            kubernetes: {
              cluster: "eks-main",
              namespace: "billing-ns",
              serviceAccount: "web-front-sa",
              delivery: "external-secrets",
              secrets: {
                "db-main": {
                  secretName: "billing-db",
                  template: { DATABASE_URL: "postgresql://{{ .username }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/{{ .dbname }}" },
                  refreshInterval: "30m",
                },
              },
            },
            reads: ["db-main", "session-key"],
          },
          // Same namespace, same secret, shaped alike: shares web-front's ExternalSecret and Secret.
          "web-admin": {
            kubernetes: {
              cluster: "eks-main",
              namespace: "billing-ns",
              serviceAccount: "web-admin-sa",
              delivery: "external-secrets",
              secrets: {
                "db-main": {
                  secretName: "billing-db",
                  template: { DATABASE_URL: "postgresql://{{ .username }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/{{ .dbname }}" },
                  refreshInterval: "30m",
                },
              },
            },
            reads: ["db-main"],
          },
          "report-job": { kubernetes: { cluster: "eks-main", namespace: "billing-ns", serviceAccount: "report-job-sa", delivery: "csi", backend: "aws" }, reads: ["db-main", "partner-key"] },
          "batch-job": { kubernetes: { cluster: "aks-west", namespace: "billing-batch", serviceAccount: "batch-job-sa", delivery: "csi", backend: "azure" }, reads: ["session-key", "partner-key"] },
          "vault-reader": { kubernetes: { cluster: "aks-west", namespace: "billing-batch", serviceAccount: "vault-reader-sa", delivery: "csi", backend: "vault" }, reads: ["db-main", "session-key"] },
          "sdk-user": { kubernetes: { cluster: "aks-west", namespace: "billing-batch", serviceAccount: "sdk-user-sa" }, reads: ["partner-key"] },
        },
      },
    },
  };
}
