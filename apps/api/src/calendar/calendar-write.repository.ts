import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { CalendarEventLink } from './entities/calendar-event-link.entity';
import { CalendarEvent } from './entities/calendar-event.entity';
import { CalendarWrite } from './entities/calendar-write.entity';

/** Queries of the write side: the write rows (status resource + ledger) and the copy to write. */
@Injectable()
export class CalendarWriteRepository {
  constructor(private readonly em: EntityManager) {}

  /** A member's write by its idempotency key (keys are per member calendar). */
  byKey(orgId: string, roxUserId: string, idempotencyKey: string): Promise<CalendarWrite | null> {
    return this.em.findOne(CalendarWrite, { orgId, roxUserId, idempotencyKey });
  }

  byId(orgId: string | null, id: string): Promise<CalendarWrite | null> {
    return this.em.findOne(CalendarWrite, orgId ? { orgId, id } : { id });
  }

  /** Inserts a write; a concurrent insert of the same key answers the row that won. */
  async insert(write: CalendarWrite): Promise<CalendarWrite> {
    try {
      await this.em.fork().persist(write).flush();
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const winner = await this.em.fork().findOne(CalendarWrite, {
        orgId: write.orgId,
        roxUserId: write.roxUserId,
        idempotencyKey: write.idempotencyKey,
      });
      if (!winner) throw error;
      return winner;
    }
    return write;
  }

  /**
   * Writes still queued or running that were asked for before `before`: candidates for a job
   * lost with Redis (or never added). Partial index `calendar_write_unfinished_idx`.
   */
  /** `orgId` narrows it to one org (the sweep itself looks at every org). */
  async unfinishedSince(
    before: Date,
    orgId: string | null = null,
    limit = 500,
  ): Promise<{ orgId: string; id: string }[]> {
    const rows = await this.em.getConnection().execute<{ org_id: string; id: string }[]>(
      `select org_id, id from calendar_write
          where status in ('queued', 'running') and created_at < ? and (?::text is null or org_id = ?)
          order by created_at limit ?`,
      [before, orgId, orgId, limit],
    );
    return rows.map((r) => ({ orgId: r.org_id, id: r.id }));
  }

  async save(write: CalendarWrite): Promise<void> {
    await this.em.persist(write).flush();
  }

  /** The member's copy of a Rox event and the event itself. */
  async copyOf(
    orgId: string,
    roxUserId: string,
    eventId: string,
  ): Promise<{ link: CalendarEventLink; event: CalendarEvent } | null> {
    const link = await this.em.findOne(CalendarEventLink, { orgId, roxUserId, eventId });
    if (!link) return null;
    const event = await this.em.findOne(CalendarEvent, { orgId, id: eventId });
    return event ? { link, event } : null;
  }
}
