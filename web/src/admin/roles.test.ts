import { describe, expect, it } from 'vitest';
import { blankEntry, withPermission } from './roles';

const permissions = [{ name: 'ViewSessionGroup', global: false }, { name: 'Administer', global: true }];

describe('role entry helpers', () => {
  it('a new entry allows the first permission everywhere', () => {
    expect(blankEntry(permissions)).toEqual({ permission: 'ViewSessionGroup', effect: 'allow', group_id: null });
  });
  it('a global permission loses its group scope; a scoped one keeps it', () => {
    const e = { permission: 'ViewSessionGroup', effect: 'deny' as const, group_id: 4 };
    expect(withPermission(e, 'Administer', permissions)).toEqual({ permission: 'Administer', effect: 'deny', group_id: null });
    expect(withPermission(e, 'ViewSessionGroup', permissions).group_id).toBe(4);
  });
});
