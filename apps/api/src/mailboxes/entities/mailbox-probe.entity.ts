import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import { type ProbeOutcome } from '@rox365/contracts';

/**
 * The latest mailbox and calendar probe of one Rox member. (The table keeps the name it had
 * when probes lived in the directory feature; receipts and audits name it so.)
 */
@Entity({ tableName: 'directory_probe' })
export class MailboxProbe {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  // The member's email when probed (the probe is about that address).
  @Property({ type: 'string', length: 320 })
  email: string;

  @Property({ type: 'string', length: 64, nullable: true })
  directoryUserId: string | null;

  @Property({ type: 'string', length: 32 })
  mail: ProbeOutcome;

  @Property({ type: 'string', length: 32 })
  calendar: ProbeOutcome;

  // Graph error codes behind a non-granted outcome, for support.
  @Property({ type: 'string', length: 64, nullable: true })
  mailErrorCode: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  calendarErrorCode: string | null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  checkedAt: Date;

  constructor(props: { orgId: string; roxUserId: string; result: ProbeRecord; now: Date }) {
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.email = props.result.email;
    this.directoryUserId = props.result.directoryUserId;
    this.mail = props.result.mail;
    this.calendar = props.result.calendar;
    this.mailErrorCode = props.result.mailErrorCode;
    this.calendarErrorCode = props.result.calendarErrorCode;
    this.checkedAt = props.now;
  }

  record(result: ProbeRecord, now: Date): void {
    this.email = result.email;
    this.directoryUserId = result.directoryUserId;
    this.mail = result.mail;
    this.calendar = result.calendar;
    this.mailErrorCode = result.mailErrorCode;
    this.calendarErrorCode = result.calendarErrorCode;
    this.checkedAt = now;
  }
}

export interface ProbeRecord {
  email: string;
  directoryUserId: string | null;
  mail: ProbeOutcome;
  calendar: ProbeOutcome;
  mailErrorCode: string | null;
  calendarErrorCode: string | null;
}
