// Who is signed in: the key's name, role and permissions from GET /v1/me, held in memory only
// (the key itself is in sessionStorage), so views show only the actions the role may take.

import { api } from "./api.js";

let me = null;

/** Ask the service who the stored key belongs to; throws the API's error (401 for a bad key). */
export async function loadMe() {
  me = await api.me();
  return me;
}

export function forgetMe() {
  me = null;
}

export function currentUser() {
  return me;
}

/** True when the signed-in key's role grants `permission` (e.g. "suggestions:decide"). */
export function can(permission) {
  return Boolean(me?.permissions.includes(permission));
}
