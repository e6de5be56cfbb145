/**
 * `userAgent()` and `userAgentFromString()` as in `next/server`: the request's User-Agent parsed by
 * ua-parser-js 1.x (which Next.js uses), plus `isBot` from Next.js's own pattern.
 */
import UAParser from 'ua-parser-js'

/** The parsed User-Agent, in Next.js's shape; fields the string does not reveal are absent. */
export interface UserAgent {
  /** Whether the string names a known crawler or link-preview bot (Next.js's list). */
  isBot: boolean
  /** The User-Agent string ('' when the request sent none). */
  ua: string
  browser: { name?: string, version?: string, major?: string }
  device: { model?: string, type?: string, vendor?: string }
  engine: { name?: string, version?: string }
  os: { name?: string, version?: string }
  cpu: { architecture?: string }
}

// Next.js's pattern (server/web/spec-extension/user-agent.ts), kept as it is.
const botRe = /Googlebot|Mediapartners-Google|AdsBot-Google|googleweblight|Storebot-Google|Google-PageRenderer|Google-InspectionTool|GoogleOther|Google-Extended|Bingbot|BingPreview|Slurp|DuckDuckBot|baiduspider|yandex|sogou|LinkedInBot|bitlybot|tumblr|vkShare|quora link preview|facebookexternalhit|facebookcatalog|Twitterbot|applebot|redditbot|Slackbot|Discordbot|WhatsApp|SkypeUriPreview|ia_archiver/i

/** Whether a User-Agent string names a known bot, by Next.js's pattern. */
export function isBot (input: string): boolean {
  return botRe.test(input)
}

/** Parse a User-Agent string into Next.js's `UserAgent` shape. */
export function userAgentFromString (input: string | undefined): UserAgent {
  return { ...(UAParser(input) as Omit<UserAgent, 'isBot'>), isBot: input === undefined ? false : isBot(input) }
}

/** The request's User-Agent, parsed: `userAgent(request).device.type === 'mobile'`. */
export function userAgent ({ headers }: { headers: Headers }): UserAgent {
  return userAgentFromString(headers.get('user-agent') || undefined)
}
