import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A hold on every tenant's jobs, e.g. after the identity platform rejected the app's own
 * credential: waiting is all that helps, and burning every tenant's attempts would not.
 */
@Entity('job_holds')
export class JobHold {
  /** `application` for now; room for a hold per queue or per job type. */
  @PrimaryColumn('text')
  scope!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  until!: Date;

  @Column('text')
  reason!: string;
}
