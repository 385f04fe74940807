/**
 * @module Model catalog: the architecture numbers that set FLOPs, weight bytes and KV bytes.
 * Sources: each model's Hugging Face `config.json` (num_hidden_layers, hidden_size,
 * num_attention_heads, num_key_value_heads, intermediate_size, vocab_size, max_position_embeddings)
 * and the parameter counts in the model cards.
 */

/** ModelSpec describes one decoder-only transformer. */
export interface ModelSpec {
  readonly id: string
  readonly name: string
  /** Total parameters (all experts for MoE). */
  readonly params: number
  /** Parameters used per token (MoE: shared + top-k experts). */
  readonly activeParams: number
  readonly layers: number
  readonly hidden: number
  readonly heads: number
  readonly kvHeads: number
  readonly headDim: number
  readonly intermediate: number
  readonly vocab: number
  readonly maxContext: number
  /** MoE experts per layer and experts per token; undefined for dense models. */
  readonly moe: { readonly experts: number; readonly topK: number } | undefined
}

/** models is the catalog keyed by id (DESIGN.md lists the ids). */
export const models = {
  'llama-2-7b': {
    id: 'llama-2-7b',
    name: 'Llama 2 7B',
    params: 6.74e9,
    activeParams: 6.74e9,
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 32,
    headDim: 128,
    intermediate: 11008,
    vocab: 32000,
    maxContext: 4096,
    moe: undefined,
  },
  'llama-2-13b': {
    id: 'llama-2-13b',
    name: 'Llama 2 13B',
    params: 13.02e9,
    activeParams: 13.02e9,
    layers: 40,
    hidden: 5120,
    heads: 40,
    kvHeads: 40,
    headDim: 128,
    intermediate: 13824,
    vocab: 32000,
    maxContext: 4096,
    moe: undefined,
  },
  'llama-2-70b': {
    id: 'llama-2-70b',
    name: 'Llama 2 70B',
    params: 68.98e9,
    activeParams: 68.98e9,
    layers: 80,
    hidden: 8192,
    heads: 64,
    kvHeads: 8,
    headDim: 128,
    intermediate: 28672,
    vocab: 32000,
    maxContext: 4096,
    moe: undefined,
  },
  'llama-3.1-8b': {
    id: 'llama-3.1-8b',
    name: 'Llama 3.1 8B',
    params: 8.03e9,
    activeParams: 8.03e9,
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    intermediate: 14336,
    vocab: 128256,
    maxContext: 131072,
    moe: undefined,
  },
  'llama-3.1-70b': {
    id: 'llama-3.1-70b',
    name: 'Llama 3.1 70B',
    params: 70.55e9,
    activeParams: 70.55e9,
    layers: 80,
    hidden: 8192,
    heads: 64,
    kvHeads: 8,
    headDim: 128,
    intermediate: 28672,
    vocab: 128256,
    maxContext: 131072,
    moe: undefined,
  },
  'mistral-7b': {
    id: 'mistral-7b',
    name: 'Mistral 7B',
    params: 7.24e9,
    activeParams: 7.24e9,
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    intermediate: 14336,
    vocab: 32000,
    maxContext: 32768,
    moe: undefined,
  },
  'qwen2.5-32b': {
    id: 'qwen2.5-32b',
    name: 'Qwen2.5 32B',
    params: 32.76e9,
    activeParams: 32.76e9,
    layers: 64,
    hidden: 5120,
    heads: 40,
    kvHeads: 8,
    headDim: 128,
    intermediate: 27648,
    vocab: 152064,
    maxContext: 32768,
    moe: undefined,
  },
  'mixtral-8x7b': {
    id: 'mixtral-8x7b',
    name: 'Mixtral 8x7B',
    params: 46.7e9,
    activeParams: 12.9e9,
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    intermediate: 14336,
    vocab: 32000,
    maxContext: 32768,
    moe: { experts: 8, topK: 2 },
  },
} as const satisfies Record<string, ModelSpec>

/** ModelId is a catalog model id. */
export type ModelId = keyof typeof models
