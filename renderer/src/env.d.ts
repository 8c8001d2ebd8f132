/** Vite asset imports: `?url` resolves to the URL of the emitted file. */
declare module '*?url' {
  const url: string;
  export default url;
}
declare module '*.css';
