import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OAuthModule } from '../oauth/oauth.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { IdpSettingsReader } from './connections/idp-settings';
import { DnsTxtLookup } from './connections/dns-txt-lookup';
import {
  SsoConnection,
  SsoConnectionDomain,
  SsoUserLink,
} from './connections/sso-connection.entity';
import { SsoConnectionsController } from './connections/sso-connections.controller';
import { SsoConnectionsRepository } from './connections/sso-connections.repository';
import { SsoConnectionsService } from './connections/sso-connections.service';
import { MetadataRefresh } from './metadata/metadata-refresh';
import { MetadataUrlFetcher } from './metadata/metadata-url-fetcher';
import { ConnectionAuthority } from './provisioning/connection-authority';
import { JitProvisioning } from './provisioning/jit-provisioning';
import { SsoUserLinksRepository } from './provisioning/sso-user-links.repository';
import { BrowserBindings } from './saml/browser-binding';
import { PendingAuthnRequests } from './saml/pending-authn-requests';
import { RelayStates } from './saml/relay-states';
import { SamlServiceProviders } from './saml/saml-service-providers';
import { SamlStateStore } from './saml/saml-state-store';
import { SpMetadata } from './saml/sp-metadata';
import { SsoAuditTrail } from './saml/sso-audit-trail';
import { SsoSignIn } from './saml/sso-sign-in';
import { SsoController } from './saml/sso.controller';

/**
 * SAML 2.0 single sign-on per organization (issue #16): connections to the organizations' IdPs
 * (connections/), their metadata and its periodic re-fetch (metadata/), the SP endpoints and
 * the checks on every response (saml/), and just-in-time provisioning (provisioning/). Signs
 * people in with the hosted pages' browser session (the OAuth module's).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([SsoConnection, SsoConnectionDomain, SsoUserLink]),
    UsersModule,
    OrganizationsModule,
    OAuthModule,
  ],
  controllers: [SsoConnectionsController, SsoController],
  providers: [
    SsoConnectionsRepository,
    SsoConnectionsService,
    IdpSettingsReader,
    DnsTxtLookup,
    SsoUserLinksRepository,
    ConnectionAuthority,
    MetadataUrlFetcher,
    MetadataRefresh,
    SamlStateStore,
    PendingAuthnRequests,
    BrowserBindings,
    SamlServiceProviders,
    RelayStates,
    JitProvisioning,
    SsoAuditTrail,
    SsoSignIn,
    SpMetadata,
  ],
})
export class SsoModule {}
