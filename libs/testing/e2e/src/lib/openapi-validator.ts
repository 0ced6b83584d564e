import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** What a test recorded of one answer: enough to find its description in the document. */
export interface RecordedResponse {
  method: string;
  /** The path as requested (`/api/workflows/wf_…?limit=5`). */
  path: string;
  status: number;
  /** The media type, without parameters (`application/json`), or '' for an empty answer. */
  mediaType: string;
  /** The parsed JSON body, the text of any other body, or for a stream its events. */
  body: unknown;
  events?: { event: string; data: string }[];
}

interface DocumentShape {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, MediaShape> }> }>
  >;
}
interface MediaShape {
  schema?: object;
  'x-event-types'?: Record<string, object>;
}

const pointer = (...segments: string[]) =>
  '#' +
  segments
    .map((segment) => `/${encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))}`)
    .join('');

/**
 * Checks recorded answers against an OpenAPI 3.1 document (its schemas are JSON Schema 2020-12): the
 * operation, status and media type must be described, and the body (each event's `data`, for a stream)
 * must validate against the schema the document gives for it.
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: DocumentShape) {
    addFormats(this.ajv);
    // The whole document under one id, so `#/components/schemas/…` resolves as it does in the document.
    this.ajv.addSchema(document, 'openapi');
  }

  /** The document's path template for a requested path: a literal segment wins over a `{param}`. */
  template(path: string): string | undefined {
    const segments = path.split('?')[0].split('/');
    const candidates = Object.keys(this.document.paths).filter((template) => {
      const parts = template.split('/');
      return (
        parts.length === segments.length &&
        parts.every((part, i) => /^\{.+\}$/.test(part) || part === segments[i])
      );
    });
    const params = (template: string) => (template.match(/\{/g) ?? []).length;
    return candidates.sort((a, b) => params(a) - params(b))[0];
  }

  /** Every problem of one recorded answer; empty when the document describes it and the body fits. */
  check(recorded: RecordedResponse): string[] {
    const where = `${recorded.method} ${recorded.path} ${recorded.status}`;
    const template = this.template(recorded.path);
    const operation = template && this.document.paths[template][recorded.method.toLowerCase()];
    if (!template || !operation) return [`${where}: no such operation in the document`];
    const response = operation.responses[String(recorded.status)];
    if (!response) return [`${where}: status not described for ${template}`];
    if (!recorded.mediaType)
      return response.content ? [`${where}: described with a body, answered none`] : [];
    const media = response.content?.[recorded.mediaType];
    if (!media) return [`${where}: ${recorded.mediaType} not described`];
    const base = [
      'paths',
      template,
      recorded.method.toLowerCase(),
      'responses',
      String(recorded.status),
      'content',
      recorded.mediaType,
    ];
    if (recorded.events) {
      return recorded.events.flatMap(({ event, data }) => {
        if (!media['x-event-types']?.[event]) return [`${where}: event ${event} not described`];
        return this.errors(pointer(...base, 'x-event-types', event), JSON.parse(data), `${where} ${event}`);
      });
    }
    return this.errors(pointer(...base, 'schema'), recorded.body, where);
  }

  private errors(ref: string, value: unknown, where: string): string[] {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(`openapi${ref}`);
      if (!validate) return [`${where}: no schema at ${ref}`];
      this.compiled.set(ref, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${where}: ${error.instancePath || '/'} ${error.message}`);
  }
}
