// userAgent() / userAgentFromString() from /server, as Next.js's: ua-parser-js 1.x's fields plus
// `isBot` by Next.js's pattern.
import t from 'tap'
import Fastify from 'fastify'
import routeHandlers from '../dist/index.js'
import { userAgent, userAgentFromString } from '../dist/server.js'
import { makeApp } from './helpers/hosts.js'

const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'
const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'

t.test('a route handler reads the parsed User-Agent of its request', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const dir = makeApp(t, {
    'ua/route.ts': `import { userAgent, type NextRequest } from 'fastify-route-handlers/server'
export function GET (request: NextRequest) {
  return Response.json(userAgent(request))
}
`
  })
  await app.register(routeHandlers, { dir, dev: true })
  const phone = (await app.inject({ url: '/ua', headers: { 'user-agent': iphone } })).json()
  t.same(phone, {
    ua: iphone,
    browser: { name: 'Mobile Safari', version: '17.0', major: '17' },
    engine: { name: 'WebKit', version: '605.1.15' },
    os: { name: 'iOS', version: '17.0' },
    device: { vendor: 'Apple', model: 'iPhone', type: 'mobile' },
    cpu: {},
    isBot: false
  })
  const bot = (await app.inject({ url: '/ua', headers: { 'user-agent': googlebot } })).json()
  t.equal(bot.isBot, true)
  t.equal(bot.ua, googlebot)
  const none = (await app.inject({ url: '/ua', headers: { 'user-agent': '' } })).json()
  t.same(none, { ua: '', browser: {}, engine: {}, os: {}, device: {}, cpu: {}, isBot: false }, 'no User-Agent: empty fields, not a bot')
})

t.test("isBot follows Next.js's list, case-insensitively", async (t) => {
  for (const bot of ['facebookexternalhit/1.1', 'Slackbot-LinkExpanding 1.0', 'WhatsApp/2.23', 'Mozilla/5.0 (compatible; bingbot/2.0)', 'Twitterbot/1.0', 'GoogleOther']) {
    t.equal(userAgentFromString(bot).isBot, true, bot)
  }
  for (const person of [iphone, 'curl/8.0', 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0']) {
    t.equal(userAgentFromString(person).isBot, false, person)
  }
  t.equal(userAgentFromString(undefined).isBot, false)
  t.equal(userAgent({ headers: new Headers({ 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' }) }).browser.name, 'Firefox')
})
