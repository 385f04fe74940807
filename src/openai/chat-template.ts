/**
 * @module The chat template shared by the emulator and the gateway: messages rendered to one
 * prompt string with role markers, so a conversation that grows turn by turn keeps the same
 * leading tokens (and hence the same prefix-cache blocks), as a real chat template does.
 */

/** ChatMessage is the part of an OpenAI chat message the template reads. */
export interface ChatMessage {
  readonly role: string
  /** Text, or text parts; null for an assistant turn that only called tools. */
  readonly content?: string | ReadonlyArray<{ readonly text: string }> | null | undefined
}

/**
 * renderChat renders `<|role|>\ncontent\n` per message and ends with the assistant's marker (the
 * generation prompt). Each marker costs about five tokens with the emulator's tokenizer, close to
 * Llama 3's four header tokens per message.
 */
export function renderChat(messages: ReadonlyArray<ChatMessage>): string {
  let out = ''
  for (const m of messages) {
    const c = m.content
    const text = c == null ? '' : typeof c === 'string' ? c : c.map((p) => p.text).join('')
    out += `<|${m.role}|>\n${text}\n`
  }
  return `${out}<|assistant|>\n`
}
