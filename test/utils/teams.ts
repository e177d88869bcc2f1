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

/** `by` (an owner or admin) adds the account of `email` to their organization with `role`. */
export async function addMember(
  t: TestApp,
  organizationId: string,
  by: TestUser,
  email: string,
  role: string,
): Promise<void> {
  await request(t.http)
    .post(`/v1/organizations/${organizationId}/members`)
    .set(bearer(by.accessToken))
    .send({ email, role })
    .expect(201);
}

/** `by` (an owner or admin) gives `user` another role in their organization. */
export async function setRole(
  t: TestApp,
  organizationId: string,
  by: TestUser,
  user: TestUser,
  role: string,
): Promise<void> {
  await request(t.http)
    .patch(`/v1/organizations/${organizationId}/members/${user.userId}`)
    .set(bearer(by.accessToken))
    .send({ role })
    .expect(200);
}
