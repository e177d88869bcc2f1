import { InitialSchema1763884800000 } from './1763884800000-InitialSchema';
import { ApiKeys1763884900000 } from './1763884900000-ApiKeys';
import { AuditLog1763885000000 } from './1763885000000-AuditLog';
import { ApiKeyOwners1765000000000 } from './1765000000000-ApiKeyOwners';
import { AuditAnchors1765000300000 } from './1765000300000-AuditAnchors';
import { SessionClientDetails1765000400000 } from './1765000400000-SessionClientDetails';
import { BinaryIdCollation1765000900000 } from './1765000900000-BinaryIdCollation';
import { CacheInvalidations1765001000000 } from './1765001000000-CacheInvalidations';
import { OAuth1765001100000 } from './1765001100000-OAuth';
import { ApiKeyUsageFailed1765001150000 } from './1765001150000-ApiKeyUsageFailed';
import { BrowserSessions1765001200000 } from './1765001200000-BrowserSessions';
import { ServiceAccounts1765001300000 } from './1765001300000-ServiceAccounts';
import { SsoConnections1765001400000 } from './1765001400000-SsoConnections';
import { SsoDomainVerification1765001500000 } from './1765001500000-SsoDomainVerification';
import { SsoConnectionsMediumText1765001600000 } from './1765001600000-SsoConnectionsMediumText';
import { LeakedKeyReports1765001700000 } from './1765001700000-LeakedKeyReports';
import { ApiKeyCredits1765001800000 } from './1765001800000-ApiKeyCredits';
import { SsoVerifiedDomains1765001900000 } from './1765001900000-SsoVerifiedDomains';
import { LeakReportReceipts1765002000000 } from './1765002000000-LeakReportReceipts';
import { FirstPartySessionGrants1765002100000 } from './1765002100000-FirstPartySessionGrants';
import { ExactEmails1765002200000 } from './1765002200000-ExactEmails';
import { RefreshTokenSuccessors1765002300000 } from './1765002300000-RefreshTokenSuccessors';

/** Every migration, in order. Listed by class so they load the same from ts-jest and from dist. */
export const MIGRATIONS = [
  InitialSchema1763884800000,
  ApiKeys1763884900000,
  AuditLog1763885000000,
  ApiKeyOwners1765000000000,
  AuditAnchors1765000300000,
  SessionClientDetails1765000400000,
  BinaryIdCollation1765000900000,
  CacheInvalidations1765001000000,
  OAuth1765001100000,
  ApiKeyUsageFailed1765001150000,
  BrowserSessions1765001200000,
  ServiceAccounts1765001300000,
  SsoConnections1765001400000,
  SsoDomainVerification1765001500000,
  SsoConnectionsMediumText1765001600000,
  LeakedKeyReports1765001700000,
  ApiKeyCredits1765001800000,
  SsoVerifiedDomains1765001900000,
  LeakReportReceipts1765002000000,
  FirstPartySessionGrants1765002100000,
  ExactEmails1765002200000,
  RefreshTokenSuccessors1765002300000,
];
