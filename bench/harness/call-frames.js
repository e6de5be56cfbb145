// How the diagnostic tools (bench/profile.js, bench/allocations.js) name a function of a V8 profile.

/** `name path:line`, the path cut to what follows node_modules/, dist/, lib/ or bench/. */
export function siteOf (callFrame) {
  const path = callFrame.url.replace(/^.*\/(node_modules|dist|lib|bench)\//, '$1/').replace(/^node:/, '')
  return `${callFrame.functionName || '(anonymous)'} ${path}:${callFrame.lineNumber + 1}`
}
