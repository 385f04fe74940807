/** @module Escaping for text placed in HTML or SVG, in element content and in quoted attributes. */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/**
 * escapeHtml makes any string safe as element text or as a quoted attribute value. Router names,
 * trace paths and commands come from the user, so every one of them passes through here.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch)
}
