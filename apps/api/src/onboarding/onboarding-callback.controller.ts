import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { OnboardingCallback } from '@tenantry/onboarding';
import { onboardingPage } from './onboarding-page';
import { PublicAccess } from '../access.decorator';

/** The redirect URI registered in Entra ID: where the customer's admin lands after consent. */
@ApiExcludeController()
@PublicAccess()
@Controller('onboarding')
export class OnboardingCallbackController {
  constructor(private readonly callback: OnboardingCallback) {}

  @Get('callback')
  async handle(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const outcome = await this.callback.handle(query);
    // The page must not be cached or framed, and the one-time state must not leak as a Referer.
    response.set({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    if (outcome.kind === 'consented' && outcome.returnUrl) {
      response.redirect(303, outcome.returnUrl);
      return;
    }
    response.status(outcome.status).type('html').send(onboardingPage(outcome));
  }
}
