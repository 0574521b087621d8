import type { SessionGroup, Subgroup } from '../api/client';
import { subgroupLabel } from './present';

interface Props {
  groups: SessionGroup[];
  selectedId: number | null;
  subgroup: string | null;
  subgroups: Subgroup[] | null; // of the selected group, when it has sub-groups
  subgroupsTruncated: boolean;
  onSelect: (groupId: number, subgroup: string | null) => void;
}

// The left column: session groups, and the sub-groups (with counts) of the selected one.
export function GroupList({ groups, selectedId, subgroup, subgroups, subgroupsTruncated, onSelect }: Props) {
  return (
    <nav class="groups" aria-label="Session groups">
      <ul>
        {groups.map((g) => {
          const selected = g.id === selectedId;
          return (
            <li key={g.id}>
              <button type="button" class={selected && subgroup === null ? 'group current' : 'group'}
                aria-current={selected && subgroup === null ? 'true' : undefined}
                aria-expanded={g.subgroup_by ? selected : undefined}
                onClick={() => onSelect(g.id, null)}>
                {g.name}
              </button>
              {selected && g.subgroup_by && (
                <ul class="subgroups" aria-label={`Sub-groups of ${g.name}`}>
                  {subgroups === null && <li class="muted">Loading…</li>}
                  {subgroups !== null && subgroups.length === 0 && <li class="muted">No sessions</li>}
                  {subgroups?.map((v) => (
                    <li key={v.value}>
                      <button type="button" class={subgroup === v.value ? 'group current' : 'group'}
                        aria-current={subgroup === v.value ? 'true' : undefined}
                        onClick={() => onSelect(g.id, v.value)}>
                        <span>{subgroupLabel(v.value)}</span> <span class="count">{v.count}</span>
                      </button>
                    </li>
                  ))}
                  {subgroupsTruncated && <li class="muted">Only the first 500 are shown</li>}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
