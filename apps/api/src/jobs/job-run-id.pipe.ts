import { isJobRunId } from '@tenantry/jobs';
import { IdParamPipe } from '../id-param.pipe';

/** Route parameter `jobId`: a job run id, a positive 64-bit integer in decimal. */
export const JobRunIdPipe = IdParamPipe({
  field: 'jobId',
  isId: isJobRunId,
  mustBe: 'a job run id (a whole number from 1 to 9223372036854775807)',
});
