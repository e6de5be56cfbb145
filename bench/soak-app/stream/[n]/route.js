// A finite stream, cached: n chunks that each name the path.
export function generateStaticParams () { return [] }
export function GET (_request, { params }) {
  let sent = 0
  const total = Number(params.n) % 8 + 1
  return new Response(new ReadableStream({
    async pull (controller) {
      await new Promise((resolve) => setTimeout(resolve, 1))
      if (sent++ === total) return controller.close()
      controller.enqueue(new TextEncoder().encode(`/soak/stream/${params.n};`))
    }
  }), { headers: { 'content-type': 'text/plain' } })
}
