// Starts Scalar on #scalar-docs; the OpenAPI document's URL is in its data-openapi-url attribute
// (not Scalar's own data-url/data-spec-url, which its standalone bundle would mount by itself).
// Nothing leaves this server: no default fonts (fonts.scalar.com), no telemetry, no AI agent.
(function () {
  "use strict";
  var container = document.getElementById("scalar-docs");
  Scalar.createApiReference("#scalar-docs", {
    url: container.dataset.openapiUrl,
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    showDeveloperTools: "never",
    mcp: { disabled: true },
  });
})();
