// Roles over the REST API (/api/v1/roles, PATCH /api/v1/users/{name}) and the small pure helpers
// the Roles page uses. The server decides everything; these only shape requests.
import { api } from '../api/client';

export interface RoleEntry {
  permission: string;
  effect: 'allow' | 'deny';
  group_id: number | null;  // null: every session (global)
}

export interface Role {
  id: number;
  name: string;
  description: string;
  entries: RoleEntry[];
}

export interface PermissionInfo {
  name: string;
  global: boolean;  // cannot be scoped to a session group
}

export async function listRoles(): Promise<{ roles: Role[]; permissions: PermissionInfo[] }> {
  const r = await api.request<{ roles?: Role[]; permissions?: PermissionInfo[] }>('GET', '/roles');
  return { roles: r.roles ?? [], permissions: r.permissions ?? [] };
}

export async function createRole(name: string, description: string): Promise<Role> {
  return (await api.request<{ role: Role }>('POST', '/roles', { name, description, entries: [] })).role;
}

export async function saveRole(role: Role): Promise<Role> {
  const { name, description, entries } = role;
  return (await api.request<{ role: Role }>('PATCH', `/roles/${role.id}`, { name, description, entries })).role;
}

export function deleteRole(id: number): Promise<void> {
  return api.request<void>('DELETE', `/roles/${id}`);
}

// A new entry for the editor: the first permission, allowed everywhere.
export function blankEntry(permissions: PermissionInfo[]): RoleEntry {
  return { permission: permissions[0]?.name ?? 'ViewSessionGroup', effect: 'allow', group_id: null };
}

// Changing an entry's permission to a global one drops its group scope (the server refuses it).
export function withPermission(entry: RoleEntry, name: string, permissions: PermissionInfo[]): RoleEntry {
  const global = permissions.find((p) => p.name === name)?.global ?? false;
  return { ...entry, permission: name, group_id: global ? null : entry.group_id };
}
