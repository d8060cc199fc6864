import { Injectable, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE } from '@tenantry/operator-auth';
import { AUDITED } from './audited.decorator';

const MUTATIONS = new Set([RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE]);

/** Fails the start when an authenticated mutating route has no `@Audited`: no silent gaps. */
@Injectable()
export class AuditCoverageCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const missing: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      const controllerPublic = this.reflector.get<boolean>(PUBLIC_ROUTE, prototype.constructor);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = instance[name] as (...args: unknown[]) => unknown;
        const method = this.reflector.get<RequestMethod | undefined>(METHOD_METADATA, handler);
        if (method === undefined || !MUTATIONS.has(method)) continue;
        if (controllerPublic || this.reflector.get<boolean>(PUBLIC_ROUTE, handler)) continue;
        if (!this.reflector.get(AUDITED, handler)) {
          missing.push(`${prototype.constructor.name}.${name} (${String(this.reflector.get(PATH_METADATA, handler))})`);
        }
      }
    }
    if (missing.length > 0) throw new Error(`Mutating routes without @Audited: ${missing.join(', ')}`);
  }
}
