// The HTTPS client is @pgha/clients' (shared with verify and the drills); this module keeps deploy's import path.
export { type RestCall, type RestResponse, type RestTls, rest } from '@pgha/clients';
