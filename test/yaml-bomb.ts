/**
 * @module A YAML alias bomb for the config tests: nine levels, each a list of nine aliases to the
 * level before, which would expand to 9^9 strings (the "billion laughs" attack).
 */

/** billionLaughs is the document's text. */
export function billionLaughs(): string {
  const names = 'abcdefghi'
  let text = `a: &a [${Array(9).fill('lol').join(', ')}]\n`
  for (let i = 1; i < names.length; i++) {
    text += `${names[i]}: &${names[i]} [${Array(9)
      .fill(`*${names[i - 1]}`)
      .join(', ')}]\n`
  }
  return text
}
