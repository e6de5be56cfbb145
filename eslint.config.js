import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'coverage/**', '.cache/**', '.tap/**']
  }),
  {
    rules: {
      // Next.js's own API names (`unstable_cache`) are kept as Next.js spells them.
      camelcase: ['error', { allow: ['^unstable_'], properties: 'never' }],
      // `void value.getter` reads a getter for its effect, a statement that says so.
      'no-void': ['error', { allowAsStatement: true }]
    }
  },
  {
    // Type tests mark values as used with `void`, the usual idiom of .test-d.ts files.
    files: ['types/**/*.ts'],
    rules: { 'no-void': 'off' }
  }
]
