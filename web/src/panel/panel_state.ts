// The control panel's list state as a pure reducer: which tab, group, sub-group, search and
// filter are selected, the pages loaded so far, and the selected session. Every change of the
// criteria starts a fresh list; answers to outdated requests are dropped by sequence number.
import type { Session, SessionPage, SessionQuery, SessionType } from '../api/client';

export const PAGE_SIZE = 50;

export interface FilterProblem {
  message: string;
  position: number | null; // 1-based character position in the filter text
}

export interface ListState {
  tab: SessionType;
  groupId: number | null; // null: no group (every session of the tab)
  subgroup: string | null; // null: the whole group; '' selects sessions whose field is empty
  q: string;
  filter: string;
  showEnded: boolean;
  sessions: Session[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
  filterProblem: FilterProblem | null;
  selectedId: string | null;
  seq: number; // number of the latest request; answers to older ones are ignored
  generation: number; // bumped on every criteria change, so the list reloads
}

export type ListAction =
  | { type: 'tab'; tab: SessionType }
  | { type: 'group'; groupId: number | null; subgroup?: string | null }
  | { type: 'search'; q: string }
  | { type: 'filter'; filter: string }
  | { type: 'showEnded'; show: boolean }
  | { type: 'request'; seq: number }
  | { type: 'loaded'; seq: number; page: SessionPage; append: boolean }
  | { type: 'failed'; seq: number; error: string; filterProblem?: FilterProblem | null }
  | { type: 'select'; id: string | null }
  | { type: 'updated'; session: Session }
  | { type: 'removed'; id: string }
  | { type: 'refresh' };

export function initialListState(tab: SessionType = 'support'): ListState {
  return {
    tab, groupId: null, subgroup: null, q: '', filter: '', showEnded: false,
    sessions: [], nextCursor: null, loading: false, error: null, filterProblem: null,
    selectedId: null, seq: 0, generation: 0,
  };
}

// A criteria change: the list starts again from the first page.
function restart(state: ListState, changes: Partial<ListState>): ListState {
  return {
    ...state, ...changes, sessions: [], nextCursor: null, error: null, filterProblem: null,
    generation: state.generation + 1,
  };
}

export function listReducer(state: ListState, action: ListAction): ListState {
  switch (action.type) {
    case 'tab':
      if (action.tab === state.tab) return state;
      return restart(state, { tab: action.tab, subgroup: null, selectedId: null });
    case 'group': {
      const subgroup = action.subgroup ?? null;
      if (action.groupId === state.groupId && subgroup === state.subgroup) return state;
      return restart(state, { groupId: action.groupId, subgroup });
    }
    case 'search':
      if (action.q === state.q) return state;
      return restart(state, { q: action.q });
    case 'filter':
      if (action.filter === state.filter) return state;
      return restart(state, { filter: action.filter });
    case 'showEnded':
      if (action.show === state.showEnded) return state;
      return restart(state, { showEnded: action.show });
    case 'refresh':
      return restart(state, {});
    case 'request':
      return { ...state, seq: action.seq, loading: true, error: null };
    case 'loaded': {
      if (action.seq !== state.seq) return state;
      const sessions = action.append ? appendUnique(state.sessions, action.page.sessions) : action.page.sessions;
      return { ...state, sessions, nextCursor: action.page.next_cursor, loading: false, error: null, filterProblem: null };
    }
    case 'failed':
      if (action.seq !== state.seq) return state;
      return { ...state, loading: false, error: action.error, filterProblem: action.filterProblem ?? null };
    case 'select':
      return { ...state, selectedId: action.id };
    case 'updated':
      return { ...state, sessions: state.sessions.map((s) => (String(s.id) === String(action.session.id) ? action.session : s)) };
    case 'removed':
      return {
        ...state,
        sessions: state.sessions.filter((s) => String(s.id) !== action.id),
        selectedId: state.selectedId === action.id ? null : state.selectedId,
      };
  }
}

// Pages never overlap with keyset paging, but a session may move (e.g. re-created); keep the first.
function appendUnique(have: Session[], more: Session[]): Session[] {
  const seen = new Set(have.map((s) => String(s.id)));
  return [...have, ...more.filter((s) => !seen.has(String(s.id)))];
}

// The GET /sessions query for the state; `cursor` for the next page.
export function queryFor(state: ListState, cursor?: string): SessionQuery {
  const q: SessionQuery = { type: state.tab, limit: PAGE_SIZE };
  if (state.showEnded) q.ended = true;
  if (state.groupId !== null) {
    q.group = state.groupId;
    if (state.subgroup !== null) q.subgroup = state.subgroup;
  }
  const search = state.q.trim();
  if (search) q.q = search;
  const filter = state.filter.trim();
  if (filter) q.filter = filter;
  if (cursor) q.cursor = cursor;
  return q;
}

export function selectedSession(state: ListState): Session | null {
  if (state.selectedId === null) return null;
  return state.sessions.find((s) => String(s.id) === state.selectedId) ?? null;
}
