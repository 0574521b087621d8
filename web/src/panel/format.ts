// Timestamps may arrive as ISO strings or as Unix seconds/milliseconds.
export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  let ms: number;
  if (typeof value === 'number') ms = value < 1e12 ? value * 1000 : value;
  else if (/^\d+$/.test(value)) ms = Number(value) < 1e12 ? Number(value) * 1000 : Number(value);
  else ms = Date.parse(value);
  if (!Number.isFinite(ms)) return String(value);
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
