// A stream that never ends, on a cacheable route: only clients that leave end it.
export function GET () {
  return new Response(new ReadableStream({
    async pull (controller) {
      await new Promise((resolve) => setTimeout(resolve, 2))
      controller.enqueue(new TextEncoder().encode('/soak/endless;'))
    }
  }), { headers: { 'content-type': 'text/event-stream' } })
}
