// Swagger UI on HeatBridge's own OpenAPI document (served locally: no CDN, no inline script).
'use strict';
window.addEventListener('load', () => {
  window.SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
