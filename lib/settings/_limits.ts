// Lengths Kubernetes and DNS allow, shared by every validator.

/** A DNS name and a DNS-1123 subdomain (object names such as IngressClass, ClusterIssuer): at most 253 characters. */
export const MAX_DNS_NAME = 253;
/** A DNS label, a DNS-1123 label and a Kubernetes label value: at most 63 characters. */
export const MAX_DNS_LABEL = 63;
