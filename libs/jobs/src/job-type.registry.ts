import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { z } from 'zod';
import { JOB_TYPE_DEFAULTS, JobHandler, JobTypeMarker, JobTypeOptions, ResolvedJobTypeOptions } from './job-type';
import { InvalidJobPayloadError, UnknownJobTypeError } from './jobs.errors';
import { scheduleProblem } from './schedule-timing';

export interface RegisteredJobType {
  readonly options: ResolvedJobTypeOptions;
  readonly handler: JobHandler<unknown>;
}

// A payload is stored in clear and shown to operators: refuse what looks like a credential.
const SECRET_KEY = /(secret|password|passwd|token|assertion|private.?key|credential|api.?key)/i;
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/;

/** Every job type of this deployment, found at boot among the providers marked `@JobType`. */
@Injectable()
export class JobTypeRegistry implements OnModuleInit {
  private readonly types = new Map<string, RegisteredJobType>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const problems: string[] = [];
    for (const wrapper of this.discovery.getProviders({ metadataKey: JobTypeMarker.KEY })) {
      const options = this.discovery.getMetadataByDecorator(JobTypeMarker, wrapper);
      const handler = wrapper.instance as Partial<JobHandler<unknown>> | undefined;
      const where = wrapper.metatype?.name ?? String(wrapper.token);
      if (!options) continue;
      if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(options.name)) {
        problems.push(`${where}: job type name "${options.name}" must be lower-case words separated by dots`);
      } else if (this.types.has(options.name)) {
        problems.push(`${where}: job type "${options.name}" is declared twice`);
      } else if (typeof handler?.run !== 'function') {
        problems.push(`${where}: job type "${options.name}" has no run() handler`);
      } else if (options.defaultSchedule && scheduleProblem(options.defaultSchedule)) {
        problems.push(`${where}: default schedule of "${options.name}": ${scheduleProblem(options.defaultSchedule)}`);
      } else {
        this.types.set(options.name, { options: resolve(options), handler: handler as JobHandler<unknown> });
      }
    }
    if (problems.length > 0) throw new Error(`Job types are wired wrong:\n${problems.join('\n')}`);
  }

  get(name: string): RegisteredJobType {
    const type = this.types.get(name);
    if (!type) throw new UnknownJobTypeError(name);
    return type;
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }

  /** The payload as the handler will see it (defaults applied), or a clear refusal. */
  parsePayload(name: string, payload: unknown): unknown {
    const { options } = this.get(name);
    const parsed = options.payload.safeParse(payload ?? {});
    if (!parsed.success) {
      throw new InvalidJobPayloadError(
        name,
        parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`),
      );
    }
    // Schemas drop unknown keys: check what was sent too, so a secret is refused, not silently dropped.
    const secret = findSecret(payload) ?? findSecret(parsed.data);
    if (secret) throw new InvalidJobPayloadError(name, [`${secret}: payloads must not carry secrets or tokens`]);
    return parsed.data;
  }
}

function resolve(options: JobTypeOptions): ResolvedJobTypeOptions {
  return {
    name: options.name,
    payload: options.payload ?? z.object({}),
    attempts: options.attempts ?? JOB_TYPE_DEFAULTS.attempts,
    backoff: { ...JOB_TYPE_DEFAULTS.backoff, ...options.backoff },
    timeoutMs: options.timeoutMs ?? JOB_TYPE_DEFAULTS.timeoutMs,
    concurrencyPerTenant: options.concurrencyPerTenant,
    defaultSchedule: options.defaultSchedule,
  };
}

function findSecret(value: unknown, path = 'payload'): string | undefined {
  if (typeof value === 'string') return JWT.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findSecret(item, `${path}.${index}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_KEY.test(key)) return `${path}.${key}`;
      const found = findSecret(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}
