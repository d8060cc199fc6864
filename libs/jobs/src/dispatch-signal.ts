import { Injectable } from '@nestjs/common';

/**
 * Wakes this process's dispatcher now rather than at its next poll: after an enqueue here, a run
 * finishing here, a tenant becoming active. Other processes are reached by the poll.
 */
@Injectable()
export class DispatchSignal {
  private listener: (() => void) | undefined;

  listen(listener: () => void): void {
    this.listener = listener;
  }

  wake(): void {
    this.listener?.();
  }
}
