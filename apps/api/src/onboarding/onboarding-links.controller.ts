import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OnboardingLinks } from '@tenantry/onboarding';
import { CurrentOperator, type Operator } from '@tenantry/operator-auth';
import { Access } from '../access.decorator';
import { Audited } from '../audit/audited.decorator';
import { CreatedOnboardingLinkDto, CreateOnboardingLinkBody, OnboardingLinkDto } from './onboarding-link.dto';

@ApiTags('onboarding-links')
@ApiBadRequestResponse({ description: 'Invalid parameters or body (problem+json).' })
@Controller('api/v1/onboarding-links')
export class OnboardingLinksController {
  constructor(private readonly links: OnboardingLinks) {}

  @Post()
  @Access('operator')
  @Audited({ action: 'onboarding_link.create', targetType: 'onboarding_link', targetFromResult: 'id' })
  @ApiOperation({ summary: 'Create an admin-consent link for a customer’s admin (expires, works once).' })
  @ApiCreatedResponse({ type: CreatedOnboardingLinkDto })
  async create(
    @Body() body: CreateOnboardingLinkBody,
    @CurrentOperator() operator: Operator,
  ): Promise<CreatedOnboardingLinkDto> {
    const { link, url } = await this.links.create(body, operator.actor);
    return { ...OnboardingLinkDto.of(link), url };
  }

  @Get()
  @Access('operator')
  @ApiOperation({ summary: 'Recent onboarding links and what became of them (never their state).' })
  @ApiOkResponse({ type: [OnboardingLinkDto] })
  async list(): Promise<OnboardingLinkDto[]> {
    return (await this.links.list(200)).map((link) => OnboardingLinkDto.of(link));
  }

  @Delete(':onboardingLinkId')
  @Access('operator')
  @Audited({ action: 'onboarding_link.revoke', targetType: 'onboarding_link', targetParam: 'onboardingLinkId' })
  @ApiOperation({ summary: 'Withdraw an unused link.' })
  @ApiOkResponse({ type: OnboardingLinkDto })
  async revoke(@Param('onboardingLinkId') id: string): Promise<OnboardingLinkDto> {
    return OnboardingLinkDto.of(await this.links.revoke(id));
  }
}
