export { ClientError, type ClientErrorCode, type ClientErrorOptions, isClientError } from './errors.js';
export { type RestCall, type RestResponse, type RestTls, rest } from './https.js';
export { type PatroniMember, parsePatroniMembers, patroniCluster, restBase } from './patroni.js';
export { Secret } from './secret.js';
