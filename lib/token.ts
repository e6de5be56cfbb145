/**
 * RFC 9110 tokens: what a header name and a cookie name must be. One check for every place that
 * needs it. The names that passed are remembered: handlers use the same few literal names on every
 * request, and a regex test costs more than the header or cookie work around it.
 */
const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const knownTokens = new Set<string>()

export function isToken (value: string): boolean {
  if (knownTokens.has(value)) return true
  if (!tokenRe.test(value)) return false
  // Bounded: names built from request data must not grow it without end.
  if (knownTokens.size >= 512) knownTokens.clear()
  knownTokens.add(value)
  return true
}
