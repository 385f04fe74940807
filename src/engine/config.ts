/**
 * @module Engine settings, named and defaulted as vLLM names them.
 */

/** EngineConfig mirrors the vLLM flags that shape scheduling and the KV cache. */
export interface EngineConfig {
  /** --max-num-seqs: most sequences in one iteration. */
  readonly maxNumSeqs: number
  /** --max-num-batched-tokens: token budget of one iteration (decodes + prefill chunks). */
  readonly maxNumBatchedTokens: number
  /** --block-size: tokens per KV block. */
  readonly blockSize: number
  /** --enable-prefix-caching. */
  readonly enablePrefixCaching: boolean
  /** --max-model-len: longest prompt + output accepted; longer requests are rejected. */
  readonly maxModelLen: number
  /**
   * --long-prefill-token-threshold: cap on one request's prefill chunk per step (0 = no cap beyond
   * the budget), so a long prompt cannot take the whole budget from shorter ones.
   */
  readonly longPrefillTokenThreshold: number
  /** --gpu-memory-utilization: share of HBM vLLM may use; the KV cache gets the rest after weights. */
  readonly gpuMemoryUtilization: number
}

/**
 * DEFAULT_ENGINE follows vLLM v1's defaults for an OpenAI server on a data-centre GPU
 * (vllm/engine/arg_utils.py, `_set_default_args` usage-context table: max_num_seqs 256 and
 * max_num_batched_tokens 8192 for OPENAI_API_SERVER on GPUs with ≥ 70 GiB; block size 16; prefix
 * caching on by default in v1; gpu_memory_utilization 0.9). maxModelLen 0 means "the model's".
 */
export const DEFAULT_ENGINE: EngineConfig = {
  maxNumSeqs: 256,
  maxNumBatchedTokens: 8192,
  blockSize: 16,
  enablePrefixCaching: true,
  maxModelLen: 0,
  longPrefillTokenThreshold: 0,
  gpuMemoryUtilization: 0.9,
}
