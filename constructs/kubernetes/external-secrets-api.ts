// The External Secrets Operator API this platform writes. external-secrets.io/v1 is the served, stable version in
// 2026: ESO v0.17.0 stopped serving v1beta1 (release notes: "v0.17.0 Stops serving v1beta1 apis"), and the current
// API reference (https://external-secrets.io/latest/api/secretstore) documents SecretStore and ExternalSecret as v1.
export const EXTERNAL_SECRETS_API_VERSION = "external-secrets.io/v1";
