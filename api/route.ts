// Declares a route once: zod schemas validate the request, type the handler and generate OpenAPI.
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Request, RequestHandler, Response, Router } from 'express';
import { z, type ZodType } from 'zod';
import type { Role } from '../domain/roles';
import { AppError, bodyRefusals } from '../lib/errors';
import { requireRoles, type AuthenticatedUser } from './middleware/authenticate';
import { ErrorEnvelope } from './openapi';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends ZodType> {
  method: Method;
  /** Express-style path, e.g. `/api/users/:id`. */
  path: string;
  summary: string;
  tags: string[];
  /** `public`: no token; `authenticated`: any role; or the roles allowed. */
  access: 'public' | 'authenticated' | readonly Role[];
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: ZodType }>;
  /** Extra middleware run before authentication (e.g. a rate limiter). */
  before?: RequestHandler[];
}

export interface RouteContext<P extends AnyObject, Q extends AnyObject, B extends ZodType> {
  params: z.infer<P>;
  query: z.infer<Q>;
  body: z.infer<B>;
  /** Set on every non-public route. */
  user: AuthenticatedUser;
  req: Request;
  res: Response;
}

export interface Route {
  register(router: Router, registry: OpenAPIRegistry, authenticate: RequestHandler): void;
}

const emptyObject = z.object({});

/** Zod's checks can throw on hostile shapes (a `length` object whose `toString` is not a function): still a 400. */
function safeParse<T extends ZodType>(schema: T, value: unknown) {
  try {
    return schema.safeParse(value);
  } catch (error) {
    return { success: false as const, error: { issues: [{ path: [] as PropertyKey[], message: `Unreadable value: ${error instanceof Error ? error.message : 'rejected'}` }] } };
  }
}

/** U+0000, or (with the u flag a surrogate pair is one code point) a surrogate without its partner. */
const UNSTORABLE_CHARACTER = /[\u0000\uD800-\uDFFF]/u;
const isStorableText = (text: string) => !UNSTORABLE_CHARACTER.test(text);

/**
 * The path of the first string (or key) PostgreSQL cannot store: text holds no U+0000, jsonb neither, nor a lone
 * surrogate. Iterative, and paths built only for the culprit, so a deeply nested body costs no stack and no copies.
 */
function unstorableTextPath(root: unknown): PropertyKey[] | null {
  type Visit = { value: unknown; key: PropertyKey | null; parent: Visit | null };
  const pathOf = (visit: Visit, key?: PropertyKey): PropertyKey[] => {
    const path = key === undefined ? [] : [key];
    for (let at: Visit | null = visit; at?.key != null; at = at.parent) path.unshift(at.key);
    return path;
  };
  const pending: Visit[] = [{ value: root, key: null, parent: null }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    const { value } = visit;
    if (typeof value === 'string') {
      if (!isStorableText(value)) return pathOf(visit);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (!isStorableText(key)) return pathOf(visit, key);
        pending.push({ value: child, key, parent: visit });
      }
    }
  }
  return null;
}

/** Validates one part of a request (`params`, `query` or `body`) against its schema: a 400 naming the fields, else the parsed value. */
export function parseOrThrow<T extends ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = safeParse(schema, value ?? {});
  if (!result.success) {
    throw new AppError(400, 'validation_failed', `Invalid request ${where}`, result.error.issues.map((issue) => ({ path: [where, ...issue.path].join('.'), message: issue.message })));
  }
  // A body as sent, not its parsed copy: copying an own `__proto__` key (JSON.parse makes one) sets a prototype instead.
  // Params and query as parsed: text in a parameter no route reads is dropped, not refused.
  const unstorable = unstorableTextPath(where === 'body' ? value : result.data);
  if (unstorable) {
    const message = 'Text may not contain U+0000 or an unpaired surrogate';
    throw new AppError(400, 'validation_failed', `Invalid request ${where}`, [{ path: [where, ...unstorable].map(String).join('.'), message }]);
  }
  return result.data;
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorEnvelope } } });

/** Registers a route's OpenAPI entry: its schemas, and the error responses its validation and access imply. */
export function documentRoute(registry: OpenAPIRegistry, spec: RouteSpec<AnyObject, AnyObject, ZodType>): void {
  const isPublic = spec.access === 'public';
  registry.registerPath({
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    summary: spec.summary,
    tags: spec.tags,
    ...(isPublic ? {} : { security: [{ bearerAuth: [] }] }),
    request: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
    },
    responses: {
      ...Object.fromEntries(
        Object.entries(spec.responses).map(([status, { description, schema }]) => [
          status,
          schema ? { description, content: { 'application/json': { schema } } } : { description },
        ]),
      ),
      ...(spec.body || spec.query || spec.params ? { 400: errorResponse('Invalid request') } : {}),
      ...(isPublic ? {} : { 401: errorResponse('Missing or invalid access token') }),
      ...(Array.isArray(spec.access) ? { 403: errorResponse('Role not allowed') } : {}),
    },
  });
}

export function defineRoute<P extends AnyObject = typeof emptyObject, Q extends AnyObject = typeof emptyObject, B extends ZodType = typeof emptyObject>(
  spec: RouteSpec<P, Q, B>,
  handler: (ctx: RouteContext<P, Q, B>) => Promise<void>,
): Route {
  return {
    register(router, registry, authenticate) {
      documentRoute(registry, spec);
      const guards: RequestHandler[] =
        spec.access === 'public' ? [] : [authenticate, ...(Array.isArray(spec.access) ? [requireRoles(spec.access as readonly Role[])] : [])];
      router[spec.method](spec.path, ...(spec.before ?? []), ...guards, async (req: Request, res: Response) => {
        // req.is() is null when there is no body at all, which the body schema then judges.
        if (spec.body && req.is('application/json') === false) {
          throw bodyRefusals.notJson();
        }
        await handler({
          params: parseOrThrow(spec.params ?? emptyObject, req.params, 'params') as z.infer<P>,
          query: parseOrThrow(spec.query ?? emptyObject, req.query, 'query') as z.infer<Q>,
          body: parseOrThrow(spec.body ?? emptyObject, spec.body ? req.body : {}, 'body') as z.infer<B>,
          user: req.user as AuthenticatedUser,
          req,
          res,
        });
      });
    },
  };
}
