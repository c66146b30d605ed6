// Files embedded into the binary by `import ... with { type: 'text' | 'file' }`.
declare module '*.sql' {
  const text: string
  export default text
}
declare module '*.css' {
  const path: string
  export default path
}
declare module '*.svg' {
  const path: string
  export default path
}
declare module '*.js' {
  const path: string
  export default path
}
