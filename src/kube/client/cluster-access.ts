/** How Berth reaches one cluster's API server: plain data, credentials as a tagged union. */
export type ClusterAuth =
  { type: 'token'; token: string } | { type: 'client-certificate'; cert_data: string; key_data: string };

export interface ClusterAccess {
  server: string;
  /** base64 PEM CA bundle; absent = the system trust store. */
  ca_data?: string;
  insecure_skip_tls_verify?: boolean;
  tls_server_name?: string;
  auth: ClusterAuth;
}
