import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector } from '../faults/fault-injector';
import { RequestCounters } from '../metrics/request-counters';
import { SimServer, type SimServerDependencies } from './sim-server';

describe('SimServer', () => {
  afterEach(() => jest.useRealTimers());

  function server(faults: FaultInjector): SimServer {
    const deps: Partial<SimServerDependencies> = {
      authorityHost: 'https://127.0.0.1:1',
      faults,
      counters: new RequestCounters(),
      discovery: { v2: () => '{}', v1: () => '{}' } as unknown as SimServerDependencies['discovery'],
    };
    return new SimServer(deps as SimServerDependencies);
  }

  function exchange() {
    const req = {
      url: '/common/v2.0/.well-known/openid-configuration',
      method: 'GET',
      headers: {},
      socket: { destroy: jest.fn() },
    } as unknown as IncomingMessage;
    const res = {
      headersSent: false,
      writeHead: jest.fn(),
      end: jest.fn(),
      destroy: jest.fn(),
    } as unknown as ServerResponse & { writeHead: jest.Mock; end: jest.Mock };
    return { req, res };
  }

  it('clears pending fault latency timers on stop, and the delayed response never runs', async () => {
    jest.useFakeTimers();
    const faults = new FaultInjector();
    faults.add({ endpoint: 'discovery', latencyMs: 60_000 });
    const sim = server(faults);
    const { req, res } = exchange();
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      sim.listener(req, res);
      expect(jest.getTimerCount()).toBe(1);

      sim.stop();
      expect(jest.getTimerCount()).toBe(0);
      await jest.runAllTimersAsync();
      expect(res.writeHead).not.toHaveBeenCalled();
      expect(res.end).not.toHaveBeenCalled();
      expect(req.socket.destroy).toHaveBeenCalled();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('still answers after the injected latency while running, and refuses new delays once stopped', async () => {
    jest.useFakeTimers();
    const faults = new FaultInjector();
    faults.add({ endpoint: 'discovery', latencyMs: 1_000 });
    const sim = server(faults);
    const first = exchange();
    sim.listener(first.req, first.res);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(first.res.writeHead).toHaveBeenCalledWith(200, expect.any(Object));

    sim.stop();
    const second = exchange();
    sim.listener(second.req, second.res);
    expect(jest.getTimerCount()).toBe(0);
    await jest.runAllTimersAsync();
    expect(second.res.writeHead).not.toHaveBeenCalled();
  });
});
