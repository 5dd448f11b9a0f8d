import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ERROR_CODE_DESCRIPTIONS } from './common/error-codes.js';
import { ErrorEnvelopeDto } from './common/swagger.js';
import { addCommonResponses } from './common/swagger-contract.js';
import { addKubeSchemas } from './kube/dto/kube-object.schemas.js';

const DESCRIPTION = `One REST API for every Kubernetes cluster, whatever vendor made it.

**Envelope.** Every JSON response is \`{"code": 0, "message": "ok", "data": …}\`. Lists are paginated:
\`data\` is \`{"cur_page", "cur_page_size", "total", "total_page", "data": [...]}\`, with query parameters
\`page\` (from 1) and \`page_size\` (default 20, max 500).

**Errors** carry an honest HTTP status and \`{"code", "message", "data", "request_id"}\`; the code refines the status:

| code | meaning |
|---|---|
${Object.entries(ERROR_CODE_DESCRIPTIONS)
  .map(([code, text]) => `| ${code} | ${text} |`)
  .join('\n')}

**Auth.** \`POST /api/v1/auth/login\` returns a JWT; send it as \`Authorization: Bearer <token>\`.
Roles: viewer (read), operator (change clusters), admin (users, credentials, audit).

**Long-running work** answers \`202 Accepted\` with an operation; poll \`GET /api/v1/operations/{id}\`.
Send \`Idempotency-Key\` to make retries safe.`;

export function setupSwagger(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Berth API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = addCommonResponses(
    addKubeSchemas(SwaggerModule.createDocument(app, config, { extraModels: [ErrorEnvelopeDto] })),
  );
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
}
