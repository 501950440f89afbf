// Templates are imported as text: `import text from '../templates/x.tmpl?raw'` (vite in tests, an esbuild plugin in the build).
declare module '*?raw' {
  const text: string;
  export default text;
}
