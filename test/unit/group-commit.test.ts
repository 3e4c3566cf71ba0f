// Group commit: what waits during a commit goes together, each answer follows its own commit, one bad item fails alone.
import { GroupCommit, type GroupCommitOptions } from '../../lib/group-commit';

/** A commit whose batches the test releases by hand, recording each batch it was given. */
function manualCommit(options: Partial<GroupCommitOptions<string, string>> = {}) {
  const batches: string[][] = [];
  const releases: (() => void)[] = [];
  const group = new GroupCommit<string, string>({
    maxInFlight: 1,
    maxItems: 100,
    maxBytes: 1_000,
    sizeOf: (item) => item.length,
    isItemError: (error) => (error as Error).message === 'bad item',
    commit: (items) => {
      batches.push(items);
      return new Promise((resolve, reject) => {
        releases.push(() => (items.includes('bad') ? reject(new Error('bad item')) : items.includes('down') ? reject(new Error('database down')) : resolve(items.map((item) => `stored ${item}`))));
      });
    },
    ...options,
  });
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { group, batches, releaseAll };
}

test('an item arriving while nothing is committing goes at once; items arriving during a commit go together in the next one', async () => {
  const { group, batches, releaseAll } = manualCommit();
  const first = group.submit('a');
  expect(batches).toEqual([['a']]);
  const rest = ['b', 'c', 'd'].map((item) => group.submit(item));
  expect(batches).toEqual([['a']]); // nothing answered, nothing more sent while the first commit runs
  await releaseAll();
  expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  expect(await Promise.all([first, ...rest])).toEqual(['stored a', 'stored b', 'stored c', 'stored d']);
});

test('no answer before its own commit', async () => {
  const { group, releaseAll } = manualCommit();
  let answered = false;
  const pending = group.submit('a').then(() => (answered = true));
  await new Promise((resolve) => setImmediate(resolve));
  expect(answered).toBe(false);
  await releaseAll();
  await pending;
  expect(answered).toBe(true);
});

test('several commits run at once up to maxInFlight', () => {
  const { group, batches } = manualCommit({ maxInFlight: 2 });
  for (const item of ['a', 'b', 'c', 'd']) void group.submit(item);
  expect(batches).toEqual([['a'], ['b']]);
});

test('batches respect maxItems and maxBytes; an item over the byte budget still goes, alone', async () => {
  const { group, batches, releaseAll } = manualCommit({ maxItems: 2, maxBytes: 10 });
  const items = ['first', 'a', 'b', 'c', 'x'.repeat(25), 'dddddd', 'eeeee'];
  const answers = Promise.all(items.map((item) => group.submit(item)));
  await releaseAll();
  expect(batches).toEqual([['first'], ['a', 'b'], ['c'], ['x'.repeat(25)], ['dddddd'], ['eeeee']]);
  expect(await answers).toEqual(items.map((item) => `stored ${item}`));
});

test('a batch failing because of one item is retried in halves, one after the other: only that item fails', async () => {
  const { group, batches, releaseAll } = manualCommit();
  void group.submit('first');
  const outcomes = Promise.allSettled(['a', 'bad', 'c'].map((item) => group.submit(item)));
  await releaseAll();
  expect(batches).toEqual([['first'], ['a', 'bad', 'c'], ['a', 'bad'], ['a'], ['bad'], ['c']]);
  expect((await outcomes).map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['stored a', 'bad item', 'stored c']);
});

test('one bad item among 500 costs a logarithmic number of commits, and every other item is stored once', async () => {
  const { group, batches, releaseAll } = manualCommit({ maxItems: 500, maxBytes: 100_000 });
  void group.submit('first');
  const items = Array.from({ length: 500 }, (_, index) => (index === 321 ? 'bad' : `item ${index}`));
  const outcomes = Promise.allSettled(items.map((item) => group.submit(item)));
  await releaseAll();
  const settled = await outcomes;
  expect(settled.filter((o) => o.status === 'rejected')).toHaveLength(1);
  expect(settled[321]).toMatchObject({ status: 'rejected', reason: new Error('bad item') });
  expect(settled.filter((o) => o.status === 'fulfilled')).toHaveLength(499);
  expect(batches.length - 2).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(500))); // after 'first' and the failed batch
  const stored = batches.slice(2).filter((batch) => !batch.includes('bad')).flat(); // the commits that succeeded
  expect(stored.sort()).toEqual(items.filter((item) => item !== 'bad').sort());
});

test('any other failure fails the whole batch at once, and later batches still run', async () => {
  const { group, batches, releaseAll } = manualCommit();
  void group.submit('first');
  const failed = Promise.allSettled(['a', 'down'].map((item) => group.submit(item)));
  await releaseAll();
  expect((await failed).map((o) => o.status)).toEqual(['rejected', 'rejected']);
  const later = group.submit('z');
  await releaseAll();
  expect(await later).toBe('stored z');
  expect(batches).toEqual([['first'], ['a', 'down'], ['z']]);
});
