// Starts Scalar on #api-reference; the OpenAPI document's URL is in its data-spec-url attribute.
// No default fonts (they come from fonts.scalar.com), so the page needs nothing but this server.
(function () {
  "use strict";
  var container = document.getElementById("api-reference");
  Scalar.createApiReference("#api-reference", {
    url: container.dataset.specUrl,
    withDefaultFonts: false,
  });
})();
