// swagger-ui-dist ships no types; this is the part the docs page uses.
declare module "swagger-ui-dist/swagger-ui-es-bundle.js" {
  interface SwaggerUIOptions {
    url?: string;
    dom_id?: string;
    [option: string]: unknown;
  }
  const SwaggerUI: (options: SwaggerUIOptions) => unknown;
  export default SwaggerUI;
}
