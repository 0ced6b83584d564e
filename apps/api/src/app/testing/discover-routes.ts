import { METHODS } from 'node:http';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IS_PUBLIC } from '@flowcast/api-core';

/** Every route of the app, found from Nest's metadata and Express's router (for the specs that need them). */

export interface Route {
  method: string;
  path: string;
  isPublic: boolean;
}

export const routeKey = (route: Pick<Route, 'method' | 'path'>) => `${route.method} ${route.path}`;

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment !== '')
    .join('/');
  return `/${joined}`;
}

const asArray = (value: string | string[] | undefined): string[] =>
  value === undefined ? [''] : Array.isArray(value) ? value : [value];

/** Every route Nest mapped: controller path × handler path, under the global prefix. */
export function discoverRoutes(app: NestExpressApplication, prefix: string): Route[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = app.get(Reflector);
  const routes: Route[] = [];
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const controllerPaths = asArray(Reflect.getMetadata(PATH_METADATA, metatype));
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = (prototype as Record<string, unknown>)[name] as object;
      const handlerPath = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (handlerPath === undefined) continue; // a helper method, not a route
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const isPublic =
        reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [handler as never, metatype]) === true;
      for (const controllerPath of controllerPaths) {
        for (const path of asArray(handlerPath)) {
          routes.push({ method, path: joinPath(prefix, controllerPath, path), isPublic });
        }
      }
    }
  }
  return routes.sort((a, b) => (routeKey(a) < routeKey(b) ? -1 : 1));
}

/**
 * The routes Express itself dispatches, as a cross-check that discovery saw everything the server answers.
 * A layer bound to every HTTP method is reported as ALL: that is how Nest mounts middleware (the request
 * logger), and how an @All() handler would appear.
 */
export function expressRoutes(app: NestExpressApplication): string[] {
  const instance = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return instance.router.stack
    .flatMap(({ route }) => {
      if (!route) return [];
      const methods = Object.keys(route.methods);
      if (methods.includes('_all') || methods.length >= METHODS.length) return [`ALL ${route.path}`];
      return methods.map((method) => `${method.toUpperCase()} ${route.path}`);
    })
    .sort();
}
