export enum CredentialProvider {
  RANCHER = 'rancher',
  ACK = 'ack',
  TKE = 'tke',
  HARBOR = 'harbor',
}
