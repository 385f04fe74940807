/**
 * @module The report page shell shared by `simulate --report` and `sweep --report`: head with the
 * inline stylesheet, a title and metadata list, the sections, a footer and the hover script.
 */
import { escapeHtml } from './escape.js'
import { PAGE_CSS, PAGE_SCRIPT } from './page-assets.js'

/** PageParts are a report page's contents. */
export interface PageParts {
  readonly title: string
  /** Tool and version, e.g. "flotilla 0.1.0". */
  readonly generatedBy: string
  /** Label and value pairs for the header; values are HTML, already escaped. */
  readonly meta: ReadonlyArray<readonly [string, string]>
  /** Section HTML, in order (see `section`). */
  readonly sections: ReadonlyArray<string>
  /** Plain text for the footer, before the generator. */
  readonly footer: string
}

/** renderPage assembles one self-contained HTML document (a string starting with `<!doctype`). */
export function renderPage(p: PageParts): string {
  const e = escapeHtml
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="${e(p.generatedBy)}">`,
    `<title>${e(p.title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    '</head><body><main>',
    `<header><h1>${e(p.title)}</h1><dl class="meta">${p.meta.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl></header>`,
    ...p.sections,
    `<footer>${e(p.footer)} · ${e(p.generatedBy)}</footer>`,
    '</main><div id="tip" hidden></div>',
    `<script>${PAGE_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n')
}

/** section wraps body HTML under an escaped heading. */
export function section(title: string, body: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>${body}</section>`
}
