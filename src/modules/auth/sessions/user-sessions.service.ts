import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { NotFoundError } from '../../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, ListQueryDto, toPage } from '../../../common/http/pagination';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import { SessionDto } from '../dto/sessions.dto';
import { requireUserCaller, UserCaller } from '../user-caller';
import { Session } from './session.entity';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** Session ids are UUIDs; anything else cannot name one and is answered like a missing one. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A user's view of their own sign-ins: list them, end one (a lost laptop), end them all. Only the
 * caller's own sessions exist here: another user's session id is a 404, like a made-up one.
 */
@Injectable()
export class UserSessionsService {
  constructor(
    private readonly repository: SessionsRepository,
    private readonly sessions: SessionsService,
    private readonly audit: AuditRecorder,
  ) {}

  async list(principal: Principal, query: ListQueryDto): Promise<ListPage<SessionDto>> {
    const caller = requireUserCaller(principal);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.listLiveSessionsOf(
      caller.subject,
      new Date(),
      limit,
      query.starting_after,
    );
    return toPage(rows, limit, (session) => toSessionDto(session, caller));
  }

  /** Its refresh tokens stop at once, its access tokens on the next request on every instance. */
  async end(principal: Principal, sessionId: string): Promise<void> {
    const caller = requireUserCaller(principal);
    const session = UUID.test(sessionId)
      ? await this.repository.findLiveSessionOf(caller.subject, sessionId, new Date())
      : null;
    if (!session) throw new NotFoundError('Session not found');
    await this.sessions.revoke(session.id, 'revoked_by_user');
    this.audit.record(AUDIT_ACTIONS.sessionRevoked, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'session', id: session.id },
      metadata: { reason: 'revoked_by_user', current: session.id === caller.sessionId },
    });
  }

  /** Every session of the caller, this one included. */
  async endAll(principal: Principal): Promise<void> {
    const caller = requireUserCaller(principal);
    const ended = await this.sessions.revokeAllOf(caller.subject, 'logout_all', null);
    this.audit.record(AUDIT_ACTIONS.sessionsLoggedOutAll, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'user', id: caller.subject },
      metadata: { sessions_ended: ended },
    });
  }
}

function toSessionDto(session: Session, caller: UserCaller): SessionDto {
  return {
    id: session.id,
    created: session.createdAt.toISOString(),
    last_used: (session.lastUsedAt ?? session.createdAt).toISOString(),
    expires: session.expiresAt.toISOString(),
    ip: session.ip,
    user_agent: session.userAgent,
    current: session.id === caller.sessionId,
    mfa: session.amr.split(' ').includes('otp'),
  };
}
