import { Controller, Get, Header } from '@nestjs/common';

import { Public } from '../../auth/access.decorators';
import { ApiDocs } from './api-docs.service';

@Controller('api/docs')
export class ApiDocsController {
  constructor(private readonly docs: ApiDocs) {}

  @Get('openapi.json')
  @Public('the API description is public')
  document() {
    return this.docs.document();
  }

  @Get()
  @Public('the API reference page is public')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Rox 365 Integration API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/assets/init.js"></script>
</body>
</html>`;
  }

  @Get('assets/init.js')
  @Public('the API reference page is public')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  init(): string {
    // Served as a file rather than inline so the page works under helmet's CSP.
    return "window.ui = SwaggerUIBundle({ url: '/api/docs/openapi.json', dom_id: '#ui' });\n";
  }
}
