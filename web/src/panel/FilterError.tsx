import type { FilterProblem } from './panel_state';
import { splitAtPosition } from './present';

// A filter error with a caret under the place it names.
export function FilterError({ text, problem }: { text: string; problem: FilterProblem }) {
  const parts = splitAtPosition(text, problem.position);
  return (
    <div class="alert filter-error" role="alert">
      <p>{problem.message}</p>
      {parts && (
        <pre aria-hidden="true"><code>{parts[0]}<mark>{parts[1]}</mark>{parts[2]}</code></pre>
      )}
    </div>
  );
}
