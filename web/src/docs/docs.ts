// The API reference at /api/v1/docs: Swagger UI, bundled by Vite, so the page needs no
// internet and runs under the venue's CSP (no inline script, no eval). The ES bundle
// carries its own React; only this page loads it.
import SwaggerUI from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";

SwaggerUI({
  url: "/api/v1/openapi.json", // the document has no `servers`, so requests go to this origin
  dom_id: "#api-docs",
  layout: "BaseLayout", // no top bar with a box for another document's URL
  deepLinking: true,
  persistAuthorization: true, // the Authorize dialog's token survives a reload (localStorage)
  tryItOutEnabled: true, // operations open ready to execute
  displayRequestDuration: true,
  filter: true,
  validatorUrl: null, // never call validator.swagger.io
  defaultModelsExpandDepth: 0,
});
