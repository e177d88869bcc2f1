import { buildPermissionTable, definePermissions, Permission } from './permissions';

describe('buildPermissionTable', () => {
  const Widgets = definePermissions({
    read: {
      name: 'widgets.read',
      scope: 'widgets:read',
      roles: ['owner', 'admin', 'member', 'viewer'],
    },
    write: { name: 'widgets.write', scope: 'widgets:write', roles: ['owner', 'admin', 'member'] },
    purge: { name: 'widgets.purge', scope: 'widgets:write', roles: ['owner', 'admin'] },
  });
  const widgets: Permission[] = Object.values(Widgets);

  it('gives each role the names of the permissions that list it', () => {
    const table = buildPermissionTable(widgets);
    expect([...table.byRole.get('viewer')!]).toEqual(['widgets.read']);
    expect([...table.byRole.get('member')!]).toEqual(['widgets.read', 'widgets.write']);
    expect([...table.byRole.get('owner')!]).toEqual([
      'widgets.read',
      'widgets.write',
      'widgets.purge',
    ]);
  });

  it('groups the permissions each scope stands for', () => {
    const table = buildPermissionTable(widgets);
    expect(table.byScope.get('widgets:write')).toEqual([Widgets.write, Widgets.purge]);
    expect(table.byScope.get('widgets:read')).toEqual([Widgets.read]);
  });

  it('refuses a name declared twice', () => {
    expect(() =>
      buildPermissionTable([...widgets, { ...Widgets.read, scope: 'other:read' }]),
    ).toThrow('Permission widgets.read is declared twice');
  });

  it.each(['owner', 'admin'] as const)(
    'refuses a permission %s lacks: its token carries admin:*',
    (role) => {
      const roles = (['owner', 'admin', 'member'] as const).filter((r) => r !== role);
      expect(() =>
        buildPermissionTable([{ name: 'widgets.hide', scope: 'widgets:write', roles }]),
      ).toThrow(`Permission widgets.hide must be held by ${role} (admin:*)`);
    },
  );

  it('keeps declarations frozen', () => {
    expect(Object.isFrozen(Widgets)).toBe(true);
    expect(Object.isFrozen(Widgets.read)).toBe(true);
    expect(Object.isFrozen(Widgets.read.roles)).toBe(true);
  });
});
