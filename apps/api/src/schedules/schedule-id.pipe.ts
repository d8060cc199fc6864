import { isJobScheduleId } from '@tenantry/jobs';
import { IdParamPipe } from '../id-param.pipe';

/** Route parameter `scheduleId`: a schedule id (a UUID), normalised to lower case. */
export const ScheduleIdPipe = IdParamPipe({
  field: 'scheduleId',
  isId: isJobScheduleId,
  mustBe: 'a schedule id (a UUID)',
  lowerCase: true,
});
