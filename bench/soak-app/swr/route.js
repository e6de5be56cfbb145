// Stale after a second: revalidated in the background all through the run.
export const revalidate = 1
let generation = 0
export function GET () { return Response.json({ path: '/soak/swr', generation: ++generation }) }
