/** The search-attribute plan against SQL visibility's per-namespace columns (schema/postgresql/v12/visibility). */
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { SQL_VISIBILITY_LIMITS, overSqlVisibilityLimits } from '../../common/namespace-setup';
import { ALL_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';

it("the project's search attributes fit PostgreSQL visibility", () => {
  expect(overSqlVisibilityLimits(ALL_SEARCH_ATTRIBUTES)).toEqual([]);
  const keywords = ALL_SEARCH_ATTRIBUTES.filter((key) => key.type === SearchAttributeType.KEYWORD).length;
  expect(keywords).toBeLessThanOrEqual(SQL_VISIBILITY_LIMITS.KEYWORD);
});

it('reports a type that has more attributes than SQL visibility has columns', () => {
  const keys = Array.from({ length: 11 }, (_, index) =>
    defineSearchAttributeKey(`K${index}`, SearchAttributeType.KEYWORD),
  );
  const bools = Array.from({ length: 3 }, (_, index) =>
    defineSearchAttributeKey(`B${index}`, SearchAttributeType.BOOL),
  );
  expect(overSqlVisibilityLimits([...keys, ...bools])).toEqual([{ type: 'KEYWORD', count: 11, limit: 10 }]);
});
