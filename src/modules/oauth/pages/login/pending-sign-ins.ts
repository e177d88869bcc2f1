import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sha256Hex } from '../../../../common/crypto/secrets';
import type { User } from '../../../users/user.entity';
import { UsersService } from '../../../users/users.service';
import { PageCookies } from '../page-cookies';

/** The cookie between the password step and the code step (`__Host-` over https). */
const PENDING_COOKIE = 'tessera_login';
const PENDING_LIFETIME_SECONDS = 300;

/**
 * A sign-in whose password was right, waiting for the TOTP code: a signed cookie (HMAC under a
 * master-key-derived key, page-plugins.ts) naming the user, good for five minutes. Nothing is
 * stored server-side, so it works on any instance. It also carries a fingerprint of the user's
 * password hash and last accepted TOTP step: a password change, or any code accepted since
 * (this very sign-in's included), makes it worthless, so it serves one sign-in at most.
 */
@Injectable()
export class PendingSignIns {
  constructor(
    private readonly cookies: PageCookies,
    private readonly users: UsersService,
  ) {}

  begin(request: FastifyRequest, reply: FastifyReply, user: User): void {
    const expiresAt = Date.now() + PENDING_LIFETIME_SECONDS * 1000;
    this.cookies.set(
      request,
      reply,
      PENDING_COOKIE,
      [user.id, expiresAt, fingerprint(user)].join('.'),
      {
        maxAgeSeconds: PENDING_LIFETIME_SECONDS,
        signed: true,
      },
    );
  }

  /** The user whose password was checked in this browser, or null (none, expired, used up). */
  async userOf(request: FastifyRequest): Promise<User | null> {
    const value = this.cookies.readSigned(request, PENDING_COOKIE);
    const [userId, expiresAt, print] = value?.split('.') ?? [];
    if (!userId || !(Number(expiresAt) > Date.now())) return null;
    const user = await this.users.findById(userId);
    if (!user || !user.mfaEnabledAt || fingerprint(user) !== print) return null;
    return user;
  }

  end(request: FastifyRequest, reply: FastifyReply): void {
    this.cookies.clear(request, reply, PENDING_COOKIE);
  }
}

function fingerprint(user: User): string {
  return sha256Hex(`${user.passwordHash}\n${user.totpLastStep ?? ''}`).slice(0, 32);
}
