/**
 * @module Backend URLs as operators write them in a gateway config, reduced to what the gateway
 * needs: the canonical URL that names the backend everywhere (metric labels, logs, snapshots, the
 * prefix index), the origin and base path requests go to, and the credentials the URL carried,
 * as an Authorization header value.
 */

/** BackendUrl is a checked backend URL, split into what the gateway uses. */
export interface BackendUrl {
  /**
   * The canonical form, `scheme://host[:port][basePath]`: no credentials (it is printed and used
   * as a metric label), no default port, no trailing slash, so that two spellings of one backend
   * compare equal.
   */
  readonly url: string
  /** `scheme://host[:port]`, where requests are sent. */
  readonly origin: string
  /** Path put before /v1/…, /health and /metrics: '' for a bare origin, else `/a/b`. */
  readonly basePath: string
  /** `Basic …` for a URL with `user:password@`, else undefined. */
  readonly authorization: string | undefined
}

/** BackendUrlError says why a string is not a usable backend URL; its message is the reason. */
export class BackendUrlError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'BackendUrlError'
  }
}

/**
 * parseBackendUrl checks a backend URL and returns its parts, or throws a BackendUrlError whose
 * message says why it cannot be used. The reason never repeats the URL, which may hold a password.
 */
export function parseBackendUrl(raw: string): BackendUrl {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new BackendUrlError('not a valid URL (expected http://host:port or https://host)')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    // `localhost:8000` parses as scheme `localhost:`: say what is missing, not what was found.
    throw new BackendUrlError(
      /^[a-z][a-z\d+.-]*:\/\//i.test(raw)
        ? `backend URLs must be http:// or https:// (got ${u.protocol}//)`
        : 'the URL must start with http:// or https://',
    )
  }
  // A bare '?' or '#' leaves `search` and `hash` empty, so the raw text is checked too.
  if (u.search !== '' || raw.includes('?')) {
    throw new BackendUrlError(
      'a query string is not allowed: the gateway builds each request path itself and would drop it',
    )
  }
  if (u.hash !== '' || raw.includes('#')) {
    throw new BackendUrlError('a fragment (#…) is not allowed: it is never sent to the backend')
  }
  if (/\/v1\/(chat\/)?completions\/*$/.test(u.pathname)) {
    throw new BackendUrlError(
      'this is an endpoint, not a base URL: give the server (http://host:port, or …/v1), and ' +
        'the gateway appends /v1/completions or /v1/chat/completions itself',
    )
  }
  const basePath = basePathOf(u.pathname)
  return {
    url: `${u.origin}${basePath}`,
    origin: u.origin,
    basePath,
    authorization: basicAuth(u.username, u.password),
  }
}

/**
 * basePathOf drops trailing slashes and one trailing `/v1`: the base URL users copy from an
 * OpenAI client's settings ends in /v1, while the gateway appends `/v1/completions`, `/health`
 * and `/metrics` to the base path itself.
 */
function basePathOf(pathname: string): string {
  return pathname.replace(/\/+$/, '').replace(/\/v1$/, '').replace(/\/+$/, '')
}

/**
 * basicAuth is the HTTP Basic Authorization value for a URL's user and password (URL keeps them
 * percent-encoded; the header carries them decoded), or undefined when the URL has neither.
 */
function basicAuth(username: string, password: string): string | undefined {
  if (username === '' && password === '') return undefined
  let user: string
  let pass: string
  try {
    user = decodeURIComponent(username)
    pass = decodeURIComponent(password)
  } catch {
    throw new BackendUrlError('the user or password has a malformed %-escape')
  }
  return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`
}

/**
 * authHeaders are the request headers that carry a backend's credentials, for every request the
 * gateway makes to it (proxied calls, health probes, metric scrapes); none when it has none.
 */
export function authHeaders(b: {
  readonly authorization?: string | undefined
}): Record<string, string> {
  return b.authorization === undefined ? {} : { authorization: b.authorization }
}
