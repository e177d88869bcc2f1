import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../../common/errors/api-errors';
import { rawBodyOf } from '../../../common/http/raw-body';
import { originOf, RequestOrigin } from '../../../common/http/request-origin';
import { EnvironmentVariables } from '../../../config/env.schema';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import type { LeakedKeyPolicy } from '../../organizations/leaked-key-policy';
import { OrganizationsService } from '../../organizations/organizations.service';
import { ApiKeyCache } from '../api-key-cache';
import { API_KEY_CHECKSUM_LENGTH, API_KEY_RANDOM_LENGTH, parseApiKey } from '../api-key-format';
import { ApiKeyPepper } from '../api-key-pepper';
import { ReportedToken, reportedTokensOf } from './leak-report';
import { LeakReporters, ReporterRefusal } from './leak-reporters';
import { LeakedKeyRow, LeakedKeysRepository } from './leaked-keys.repository';

/** GitHub's feedback labels: whether a reported match is one of our credentials. */
export type LeakLabel = 'true_positive' | 'false_positive';

/** The answer for one reported token, in GitHub's partner program's shape. */
export interface LeakVerdict {
  token_raw: string;
  token_type: string;
  label: LeakLabel;
}

/** What a report did to one key it matched (audited). */
type LeakAction = 'revoked' | 'flagged' | 'already_revoked';

interface Reporter {
  actor: { type: string; id: string };
  origin: RequestOrigin;
}

const REFUSALS: Record<ReporterRefusal, UnauthorizedError> = {
  missing_signature: new UnauthorizedError(
    'Missing reporter signature: send Github-Public-Key-Identifier and Github-Public-Key-Signature',
    'missing_signature',
  ),
  unknown_reporter_key: new UnauthorizedError('Unknown reporter key', 'unknown_reporter_key'),
  invalid_signature: new UnauthorizedError('Invalid reporter signature', 'invalid_signature'),
};

/**
 * Leaked-key reports from secret scanners (GitHub's partner program): a signed batch of tokens
 * found in public places. A token that is one of our keys is revoked at once, or only flagged
 * when its organization chose `flag`; its organization's audit log says so. Every answer has the
 * same shape and status, and costs the same up to the one look-up, whatever the token was:
 * a malformed token, a wrong checksum and an unknown key are all `false_positive`, and nothing
 * of another organization is touched. A key that is ours is `true_positive`, revoked or not (it
 * is a real credential that leaked; only a holder of a reporter key ever reads that answer).
 */
@Injectable()
export class LeakedKeysService {
  private readonly prefix: string;

  constructor(
    private readonly reporters: LeakReporters,
    private readonly keys: LeakedKeysRepository,
    private readonly pepper: ApiKeyPepper,
    private readonly cache: ApiKeyCache,
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditRecorder,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.prefix = config.get('TESSERA_KEY_PREFIX', { infer: true });
  }

  async report(request: FastifyRequest): Promise<LeakVerdict[]> {
    const origin = originOf(request);
    const check = this.reporters.check(request, rawBodyOf(request));
    if ('refused' in check) {
      this.recordRefusal(check.refused, origin);
      throw REFUSALS[check.refused];
    }
    const reporter: Reporter = {
      actor: { type: 'leak_reporter', id: check.reporterKeyId },
      origin,
    };
    const reported = reportedTokensOf(request.body);
    const matches = await this.match(reported);
    const answer = reported.map((entry, i): LeakVerdict => ({
      token_raw: entry.token,
      token_type: entry.type,
      label: matches[i] ? 'true_positive' : 'false_positive',
    }));
    const mentions = firstMentions(reported, matches);
    if (mentions.length === 0) {
      this.recordReport(reported.length, 0, [], reporter, false);
      return answer;
    }
    const digest = createHash('sha256').update(rawBodyOf(request)).digest('hex');
    const decisions = await this.actOnKeys(mentions, {
      digest,
      reporterKeyId: check.reporterKeyId,
    });
    if (decisions === null) {
      // The same bytes acted on before (a retry, or a replay of a captured report): the same
      // answer and nothing done, so a key its organization chose to keep is not revoked later.
      this.recordReport(reported.length, mentions.length, [], reporter, true);
      return answer;
    }
    decisions.forEach((decision, i) => this.recordAction(mentions[i], decision, reporter));
    const actions = decisions.map(({ action }) => action);
    this.recordReport(reported.length, mentions.length, actions, reporter, false);
    return answer;
  }

  /**
   * The key each reported token is, or null. Every token costs the same: its keyed hash, in the
   * one look-up of the whole report. Only a token that also passes the checksum counts as a key
   * (a stored hash is only ever of one, so this refuses nothing real).
   */
  private async match(reported: ReportedToken[]): Promise<(LeakedKeyRow | null)[]> {
    const hashes = reported.map((entry) => this.pepper.hash(entry.token));
    const rows = await this.keys.findByHashes(hashes);
    const byHash = new Map(rows.map((row) => [row.keyHash, row]));
    return reported.map((entry, i) => {
      const row = byHash.get(hashes[i]);
      return row && parseApiKey(entry.token, this.prefix) ? row : null;
    });
  }

  /**
   * Marks each key and revokes those whose organization's policy says so, once per report
   * (null: acted on before); every instance then drops the revoked keys, so their very next
   * request is refused everywhere.
   */
  private async actOnKeys(
    mentions: Mention[],
    report: { digest: string; reporterKeyId: string },
  ): Promise<Decision[] | null> {
    // Only a live key's organization has anything to decide.
    const live = mentions.filter(({ key }) => key.revokedAt === null);
    const policies =
      live.length > 0
        ? await this.organizations.leakedKeyPoliciesOf(live.map(({ key }) => key.organizationId))
        : new Map<string, LeakedKeyPolicy>();
    const decided = mentions.map(({ key }) =>
      key.revokedAt === null ? (policies.get(key.organizationId) ?? 'revoke') : null,
    );
    const revoked = await this.keys.markLeakedOnce(
      report,
      mentions.map(({ key }, i) => ({
        organizationId: key.organizationId,
        id: key.id,
        revoke: decided[i] === 'revoke',
      })),
      new Date(),
    );
    if (revoked === null) return null;
    for (let i = 0; i < mentions.length; i++) {
      if (revoked[i]) await this.cache.forget(mentions[i].key.id);
    }
    // Not revoked under `revoke`: another report (or a person) revoked it a moment before.
    return decided.map((policy, i) => ({
      policy,
      action: revoked[i] ? 'revoked' : policy === 'flag' ? 'flagged' : 'already_revoked',
    }));
  }

  /** The key's organization learns of the report, and of its revocation. */
  private recordAction(
    { key, entry }: Mention,
    { action, policy }: Decision,
    reporter: Reporter,
  ): void {
    const event = {
      organizationId: key.organizationId,
      actor: reporter.actor,
      origin: reporter.origin,
      target: { type: 'api_key', id: key.id },
    };
    this.audit.record(AUDIT_ACTIONS.apiKeyLeakReported, {
      ...event,
      metadata: {
        name: key.name,
        start: key.start,
        action,
        policy,
        // Where it was found: never the token itself, should a reporter have put it (or its
        // secret part) in any of its fields.
        url: withoutToken(entry.url, entry.token),
        source: withoutToken(entry.source, entry.token),
        reported_as: withoutToken(entry.type, entry.token),
      },
    });
    if (action === 'revoked') {
      this.audit.record(AUDIT_ACTIONS.apiKeyRevoked, {
        ...event,
        metadata: { name: key.name, start: key.start, reason: 'leak_reported' },
      });
    }
  }

  /**
   * One event per report in the instance's chain: counts only, no organization's keys;
   * `replayed` for a report acted on before (nothing done).
   */
  private recordReport(
    reported: number,
    matchedKeys: number,
    actions: LeakAction[],
    reporter: Reporter,
    replayed: boolean,
  ): void {
    const count = (action: LeakAction) => actions.filter((each) => each === action).length;
    this.audit.record(AUDIT_ACTIONS.leakReportReceived, {
      organizationId: null,
      actor: reporter.actor,
      origin: reporter.origin,
      metadata: {
        reported,
        matched_keys: matchedKeys,
        replayed,
        revoked: count('revoked'),
        flagged: count('flagged'),
        already_revoked: count('already_revoked'),
      },
    });
  }

  /** Anyone can send an unsigned report: sampled, like other refusals. */
  private recordRefusal(reason: ReporterRefusal, origin: RequestOrigin): void {
    this.audit.recordSampled(
      `leak-report-refused:${reason}`,
      AUDIT_ACTIONS.leakReportRefused,
      () => ({
        organizationId: null,
        origin,
        outcome: 'failure',
        metadata: { reason },
      }),
    );
  }
}

/** A key a report names, with its first mention. */
interface Mention {
  key: LeakedKeyRow;
  entry: ReportedToken;
}

/** What a report did to a key: `policy` the organization's for a live key, null for one revoked before. */
interface Decision {
  action: LeakAction;
  policy: LeakedKeyPolicy | null;
}

/** Each matched key once, however often the report names it, with its first mention. */
function firstMentions(reported: ReportedToken[], matches: (LeakedKeyRow | null)[]): Mention[] {
  const first = new Map<string, Mention>();
  matches.forEach((key, i) => {
    if (key && !first.has(key.id)) first.set(key.id, { key, entry: reported[i] });
  });
  return [...first.values()];
}

/** The characters after `<prefix>_<env>_`: the key's secret part and checksum. */
const SECRET_PART_LENGTH = API_KEY_RANDOM_LENGTH + API_KEY_CHECKSUM_LENGTH;

/** A reporter's field as given, or null where it carries the reported token's secret part. */
function withoutToken<T extends string | null | undefined>(value: T, token: string): T | null {
  if (typeof value !== 'string') return value;
  return value.includes(token.slice(-SECRET_PART_LENGTH)) ? null : value;
}
