/**
 * @module The context window a backend serves, read from its GET /v1/models: vLLM and SGLang list
 * each model with its `max_model_len` (the emulator does too). The gateway uses it to refuse a
 * request that surely cannot fit (400, not a 429 that SDKs retry) and to cap a limited tenant's
 * chat without max_tokens (token-charge.ts). Servers that do not report it (llama.cpp, Ollama)
 * leave the window unknown unless the pool's `max_model_len` sets it.
 */
import type { Dispatcher } from 'undici'
import { authHeaders } from './backend-url.js'
import type { Upstream } from './pool.js'

/** ModelList is the part of an OpenAI /v1/models answer read here. */
interface ModelList {
  readonly data?: ReadonlyArray<{ readonly id?: unknown; readonly max_model_len?: unknown }>
}

/**
 * readContext picks the window of `model` from a /v1/models body: its own entry, else the only
 * entry (a server started with another --served-model-name serves one model), else undefined.
 */
export function readContext(body: unknown, model: string): number | undefined {
  const data = (body as ModelList | null)?.data
  if (!Array.isArray(data)) return undefined
  const entry = data.find((m) => m.id === model) ?? (data.length === 1 ? data[0] : undefined)
  const n = entry?.max_model_len
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined
}

/** learnContext asks a backend for its window and records it; failures leave it unknown. */
export async function learnContext(
  agent: Dispatcher,
  u: Upstream,
  model: string,
  timeoutMs: number,
): Promise<void> {
  try {
    const res = await agent.request({
      origin: u.origin,
      path: `${u.basePath}/v1/models`,
      method: 'GET',
      headers: authHeaders(u),
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (res.statusCode !== 200) {
      await res.body.dump()
      return
    }
    const n = readContext(await res.body.json(), model)
    if (n !== undefined) u.state.maxModelLen = n
  } catch {
    // Unknown stays unknown: the backend's own length check still applies.
  }
}
