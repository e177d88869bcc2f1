import request from 'supertest';
import type { TestApp } from './create-app';
import { bearer, createUser, TestUser } from './factories';

export interface Team {
  owner: TestUser;
  organizationId: string;
  members: Record<'admin' | 'member' | 'viewer', TestUser>;
  /** A member's bearer token acting in the team's organization. */
  inOrg(user: TestUser): Record<string, string>;
}

/** An owner with a fresh organization and one member per other role. */
export async function createTeam(t: TestApp): Promise<Team> {
  const owner = await createUser(t, 'owner');
  const org = await request(t.http)
    .post('/v1/organizations')
    .set(bearer(owner.accessToken))
    .send({ name: 'Acme' })
    .expect(201);
  const organizationId: string = org.body.id;
  const members: Team['members'] = {
    admin: await createUser(t, 'admin'),
    member: await createUser(t, 'member'),
    viewer: await createUser(t, 'viewer'),
  };
  for (const [role, user] of Object.entries(members)) {
    await request(t.http)
      .post(`/v1/organizations/${organizationId}/members`)
      .set(bearer(owner.accessToken))
      .send({ email: user.email, role })
      .expect(201);
  }
  const inOrg = (user: TestUser) => ({
    ...bearer(user.accessToken),
    'X-Organization-ID': organizationId,
  });
  return { owner, organizationId, members, inOrg };
}
