// Starts Swagger UI on #swagger-ui; the OpenAPI document's URL is in its data-openapi-url attribute.
// A file of its own (no inline script), so the page works under Content-Security-Policy script-src 'self'.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
