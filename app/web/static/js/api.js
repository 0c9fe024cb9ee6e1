// The /v1 API as the client uses it: one fetch wrapper (key, JSON, errors) and one function per
// endpoint, so the rest of the client never builds a URL or reads a raw response.

const KEY_STORE = "cac.apiKey";
// The page is served at <base>/ui/, so the API sits at <base>/v1/ whatever the mount point.
const API_ROOT = new URL("../v1/", document.baseURI);

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function getKey() {
  return sessionStorage.getItem(KEY_STORE);
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
}

// The API's error body is {"error": {"code", "message"}} or FastAPI's {"detail": ...}.
function errorMessage(status, body) {
  if (body && typeof body === "object") {
    const err = body.error ?? body;
    if (typeof err.message === "string") return err.message;
    if (typeof err.detail === "string") return err.detail;
    if (Array.isArray(err.detail)) {
      return err.detail.map((d) => `${(d.loc ?? []).slice(1).join(".")}: ${d.msg}`).join("; ");
    }
  }
  if (status === 401) return "Your key was not accepted. Sign in again.";
  if (status === 403) return "Your key does not allow this action.";
  return `The server answered ${status}.`;
}

async function request(method, path, { query, body } = {}) {
  const url = new URL(path, API_ROOT);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json" };
  const key = getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "The service could not be reached. Check the connection and retry.");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, errorMessage(response.status, data), data);
  return data;
}

export const api = {
  me: () => request("GET", "me"),
  worklist: (query) => request("GET", "worklist", { query }),
  note: (noteId) => request("GET", `notes/${encodeURIComponent(noteId)}`),
  suggestions: (noteId) => request("GET", `notes/${encodeURIComponent(noteId)}/suggestions`),
  decide: (suggestionId, decision) =>
    request("POST", `suggestions/${encodeURIComponent(suggestionId)}/decision`, { body: decision }),
  addCode: (noteId, added) =>
    request("POST", `notes/${encodeURIComponent(noteId)}/codes`, { body: added }),
  finalize: (noteId) => request("POST", `notes/${encodeURIComponent(noteId)}/finalize`),
  reopen: (noteId, reason) =>
    request("POST", `notes/${encodeURIComponent(noteId)}/reopen`, { body: { reason } }),
  audit: (noteId) => request("GET", `notes/${encodeURIComponent(noteId)}/audit`),
  searchCodes: (query) => request("GET", "codes/search", { query }),
};
