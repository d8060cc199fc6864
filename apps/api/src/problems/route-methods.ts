import type { Request } from 'express';

/** What this helper reads of Express 5's router (the `router` package): route layers and their matchers. */
interface RouterLayer {
  readonly route?: { readonly methods: Readonly<Record<string, boolean | undefined>> };
  match(path: string): unknown;
}

/**
 * The methods the application's routes take on the request's path, as an `Allow` header lists
 * them (HEAD wherever GET is), sorted; empty when no route has that path. Asked only once no
 * route took the request, to tell a wrong method (405) from a wrong path (404).
 */
export function routeMethodsOf(request: Request): string[] {
  const stack = (request.app as unknown as { router?: { stack?: readonly RouterLayer[] } }).router?.stack ?? [];
  const methods = new Set<string>();
  for (const layer of stack) {
    // Middleware bound to every path (Nest registers `forRoutes('*')` as a route on `/{*path}`)
    // answers nothing by itself: only routes that a made-up path does not fit name methods.
    if (!layer.route || !matches(layer, request.path) || matches(layer, NO_SUCH_PATH)) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') methods.add(method.toUpperCase());
    }
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

const NO_SUCH_PATH = '/-/no-route-has-this-path';

function matches(layer: RouterLayer, path: string): boolean {
  try {
    return Boolean(layer.match(path));
  } catch {
    // A malformed percent-encoding in a parameter: Express refuses it as well.
    return false;
  }
}
