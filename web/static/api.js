// The portal's only doors to the server: the GraphQL API, /export and, in
// dev mode, /dev/. The bearer token lives in this tab's sessionStorage and
// nowhere else (never localStorage, never a cookie), so it ends with the tab.

export const TOKEN_KEY = 'omadata.token';

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(value) { sessionStorage.setItem(TOKEN_KEY, value); }
export function clearToken() { sessionStorage.removeItem(TOKEN_KEY); }

// takeTokenFromFragment moves a token the identity provider put in the URL
// fragment (#access_token=...&token_type=Bearer) into sessionStorage and
// removes it from the address bar and the history. It returns whether it
// found one.
export function takeTokenFromFragment() {
  const hash = location.hash.replace(/^#/, '');
  if (!hash.includes('access_token=')) return false;
  const params = new URLSearchParams(hash);
  const value = params.get('access_token');
  history.replaceState(null, '', location.pathname + location.search + '#/permissions');
  if (!value) return false;
  setToken(value);
  return true;
}

// ApiError is an error the server answered with: a GraphQL error code
// (extensions.code) and its message, or NETWORK when nothing came back.
export class ApiError extends Error {
  constructor(code, message, path) {
    super(message || code);
    this.code = code;
    this.path = path;
  }
}

// Codes for answers that carry no GraphQL body (a proxy's 502, a 429).
function codeForStatus(status) {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'QUERY_TOO_COMPLEX';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 400 && status < 500) return 'BAD_USER_INPUT';
  return 'INTERNAL';
}

let onUnauthenticated = () => {};

// whenUnauthenticated sets what happens when the server no longer accepts
// the token (it expired, or the member was erased).
export function whenUnauthenticated(fn) { onUnauthenticated = fn; }

// request sends a GraphQL request and returns {data, errors}: data may be
// partial, with an error per field that failed (a receipt's lines that its
// owner does not allow to be shown). It throws ApiError when there is no
// data at all.
export async function request(query, variables = {}) {
  let resp;
  try {
    resp = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token() || ''}` },
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError('NETWORK', String(e));
  }
  let body = null;
  try { body = await resp.json(); } catch { /* not JSON: judged by status below */ }
  const errors = (body && body.errors) || [];
  const first = errors[0];
  const code = first?.extensions?.code || (resp.ok ? null : codeForStatus(resp.status));
  if (code === 'UNAUTHENTICATED') {
    onUnauthenticated();
    throw new ApiError(code, first?.message);
  }
  if (!body || body.data == null) {
    throw new ApiError(code || 'INTERNAL', first?.message, first?.path);
  }
  return { data: body.data, errors };
}

// query is request for callers that need every field: any error throws.
export async function query(q, variables) {
  const { data, errors } = await request(q, variables);
  if (errors.length > 0) {
    const e = errors[0];
    throw new ApiError(e.extensions?.code || 'INTERNAL', e.message, e.path);
  }
  return data;
}

// errorsAt returns the errors whose path starts with prefix.
export function errorsAt(errors, prefix) {
  return errors.filter((e) => Array.isArray(e.path) && prefix.every((p, i) => e.path[i] === p));
}

// downloadExport fetches /export (or the url myDataExport gave) with the
// bearer token and hands it to the browser as a file download. The token
// never goes into a URL: that is why this is a fetch and not a link.
export async function downloadExport(url, filename) {
  let resp;
  try {
    resp = await fetch(url || '/export', {
      headers: { Authorization: `Bearer ${token() || ''}`, Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError('NETWORK', String(e));
  }
  if (!resp.ok) {
    let code = codeForStatus(resp.status);
    try {
      const body = await resp.json();
      code = body?.errors?.[0]?.extensions?.code || code;
    } catch { /* keep the status's code */ }
    if (code === 'UNAUTHENTICATED') onUnauthenticated();
    throw new ApiError(code);
  }
  const blob = await resp.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

// devMembers lists the demo members (dev mode only).
export async function devMembers() {
  const resp = await fetch('/dev/members', { credentials: 'omit', cache: 'no-store' });
  if (!resp.ok) throw new ApiError(codeForStatus(resp.status));
  return (await resp.json()).members;
}

// devSignIn gets a member token signed with the server's dev key.
export async function devSignIn(sub) {
  const resp = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sub }),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!resp.ok) throw new ApiError(codeForStatus(resp.status));
  setToken((await resp.json()).token);
}
