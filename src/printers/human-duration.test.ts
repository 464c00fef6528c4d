// Boundary-by-boundary table for humanDuration (kubectl-api.md §3.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from './human-duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

const cases: { name: string; input: number; want: string }[] = [
  { name: 'zero is 0s', input: 0, want: '0s' },
  { name: 'sub-second durations truncate to 0s', input: 999, want: '0s' },
  { name: 'a small negative skew is 0s', input: -500, want: '0s' },
  { name: 'just under two seconds of negative skew is still 0s', input: -1999, want: '0s' },
  { name: 'exactly -1s is 0s', input: -1 * s, want: '0s' },
  { name: 'two seconds in the future is <invalid>', input: -2 * s, want: '<invalid>' },
  { name: 'far in the future is <invalid>', input: -5 * h, want: '<invalid>' },
  { name: 'seconds are shown up to 119s', input: 119 * s + 999, want: '119s' },
  { name: '120s switches to minutes', input: 120 * s, want: '2m' },
  { name: 'minutes below 10 keep their seconds', input: 2 * m + 30 * s, want: '2m30s' },
  { name: 'the last minute-and-seconds value is 9m59s', input: 9 * m + 59 * s, want: '9m59s' },
  { name: '10m drops the seconds', input: 10 * m + 30 * s, want: '10m' },
  { name: 'minutes are shown up to 179m', input: 179 * m + 59 * s, want: '179m' },
  { name: '180m switches to hours', input: 180 * m, want: '3h' },
  { name: 'hours below 8 keep their minutes', input: 3 * h + 20 * m, want: '3h20m' },
  { name: 'the last hour-and-minutes value is 7h59m', input: 7 * h + 59 * m + 59 * s, want: '7h59m' },
  { name: '8h drops the minutes', input: 8 * h + 30 * m, want: '8h' },
  { name: 'hours are shown up to 47h', input: 47 * h + 59 * m, want: '47h' },
  { name: '48h switches to days', input: 48 * h, want: '2d' },
  { name: 'days below 8 keep their hours', input: 2 * d + 5 * h, want: '2d5h' },
  { name: 'the last day-and-hours value is 7d23h', input: 7 * d + 23 * h + 59 * m, want: '7d23h' },
  { name: '8 days drops the hours', input: 8 * d + 5 * h, want: '8d' },
  { name: 'days are shown up to 729d', input: 729 * d + 23 * h, want: '729d' },
  { name: '730 days switches to years', input: 2 * y, want: '2y' },
  { name: 'years below 8 keep their days', input: 2 * y + 80 * d, want: '2y80d' },
  { name: 'the last year-and-days value is 7y364d', input: 8 * y - 1 * h, want: '7y364d' },
  { name: '8 years drops the days', input: 8 * y + 80 * d, want: '8y' },
  { name: 'large durations stay in years', input: 9 * y + 200 * d, want: '9y' },
];

for (const c of cases) {
  test(`humanDuration: ${c.name}`, () => {
    assert.equal(humanDuration(c.input), c.want);
  });
}
