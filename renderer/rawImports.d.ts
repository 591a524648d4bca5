/** Vite's `?raw` imports: a file's text as the module's default export. */
declare module '*?raw' {
  const text: string;
  export default text;
}
