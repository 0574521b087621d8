import { describe, expect, it } from 'vitest';
import type { Session } from '../api/client';
import { initialListState, listReducer, PAGE_SIZE, queryFor, selectedSession, type ListAction, type ListState } from './panel_state';

function s(id: string, extra: Partial<Session> = {}): Session {
  return { id, type: 'support', name: `Session ${id}`, ...extra };
}

function run(state: ListState, ...actions: ListAction[]): ListState {
  return actions.reduce(listReducer, state);
}

describe('list state', () => {
  it('builds the query from tab, group, sub-group, search, filter and ended', () => {
    let st = initialListState('access');
    expect(queryFor(st)).toEqual({ type: 'access', limit: PAGE_SIZE });
    st = run(st, { type: 'group', groupId: 3, subgroup: 'Acme' }, { type: 'search', q: '  ws-1 ' },
      { type: 'filter', filter: 'NOT online' }, { type: 'showEnded', show: true });
    expect(queryFor(st, 'CUR')).toEqual({
      type: 'access', limit: PAGE_SIZE, group: 3, subgroup: 'Acme', q: 'ws-1', filter: 'NOT online', ended: true, cursor: 'CUR',
    });
    // The empty sub-group (sessions whose field is empty) is a real selection.
    st = run(st, { type: 'group', groupId: 3, subgroup: '' });
    expect(queryFor(st).subgroup).toBe('');
    st = run(st, { type: 'group', groupId: null });
    expect(queryFor(st).group).toBeUndefined();
    expect(queryFor(st).subgroup).toBeUndefined();
  });

  it('restarts the list on every criteria change, and only then', () => {
    let st = run(initialListState(), { type: 'request', seq: 1 },
      { type: 'loaded', seq: 1, page: { sessions: [s('a')], next_cursor: 'n1' }, append: false });
    const g = st.generation;
    expect(run(st, { type: 'search', q: '' })).toBe(st);  // unchanged: same object, no reload
    expect(run(st, { type: 'tab', tab: 'support' })).toBe(st);
    for (const action of [
      { type: 'tab', tab: 'meeting' }, { type: 'group', groupId: 2 }, { type: 'search', q: 'x' },
      { type: 'filter', filter: 'online' }, { type: 'showEnded', show: true }, { type: 'refresh' },
    ] as ListAction[]) {
      const next = listReducer(st, action);
      expect(next.generation).toBe(g + 1);
      expect(next.sessions).toEqual([]);
      expect(next.nextCursor).toBeNull();
    }
    st = run(st, { type: 'tab', tab: 'access' });
    expect(st.subgroup).toBeNull();
  });

  it('appends pages and ignores answers to outdated requests', () => {
    let st = run(initialListState(), { type: 'request', seq: 1 },
      { type: 'loaded', seq: 1, page: { sessions: [s('a'), s('b')], next_cursor: 'c1' }, append: false },
      { type: 'request', seq: 2 });
    expect(st.loading).toBe(true);
    // A slow answer to request 1 arriving now changes nothing.
    expect(run(st, { type: 'loaded', seq: 1, page: { sessions: [s('z')], next_cursor: null }, append: false })).toBe(st);
    st = run(st, { type: 'loaded', seq: 2, page: { sessions: [s('b'), s('c')], next_cursor: null }, append: true });
    expect(st.sessions.map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(st.nextCursor).toBeNull();
    expect(st.loading).toBe(false);
  });

  it('keeps a filter problem with its position until the next success', () => {
    let st = run(initialListState(), { type: 'filter', filter: 'company =' }, { type: 'request', seq: 4 },
      { type: 'failed', seq: 4, error: 'filter: at position 10: expected a value', filterProblem: { message: 'm', position: 10 } });
    expect(st.filterProblem).toEqual({ message: 'm', position: 10 });
    expect(st.loading).toBe(false);
    st = run(st, { type: 'filter', filter: 'company = x' });
    expect(st.filterProblem).toBeNull();
    expect(st.error).toBeNull();
  });

  it('selects, updates and removes sessions', () => {
    let st = run(initialListState(), { type: 'request', seq: 1 },
      { type: 'loaded', seq: 1, page: { sessions: [s('a'), s('b')], next_cursor: null }, append: false },
      { type: 'select', id: 'b' });
    expect(selectedSession(st)?.name).toBe('Session b');
    st = run(st, { type: 'updated', session: s('b', { name: 'Renamed' }) });
    expect(selectedSession(st)?.name).toBe('Renamed');
    st = run(st, { type: 'removed', id: 'b' });
    expect(st.selectedId).toBeNull();
    expect(st.sessions.map((x) => x.id)).toEqual(['a']);
    expect(selectedSession(run(st, { type: 'select', id: 'gone' }))).toBeNull();
  });
});
