/** Visibility queries are built from typed keys and quoted values; a value can never add a clause. */
import { DEVICE_APPROVAL_ACCOUNT_KEY, DEVICE_APPROVAL_STATUS_KEY } from '../../contracts/device-approval';
import { IDENTITY_FLOW_STATUS_KEY } from '../../contracts/identity-flow';
import { BUILTIN, after, and, before, equals, executionStatus, literal, oneOf } from '../../client/visibility';

describe('literal', () => {
  it('quotes strings and escapes quotes and backslashes', () => {
    expect(literal('WAITING_FOR_TOKEN')).toBe("'WAITING_FOR_TOKEN'");
    expect(literal("it's")).toBe("'it\\'s'");
    expect(literal('a\\b')).toBe("'a\\\\b'");
  });

  it('keeps an injection attempt inside one string literal', () => {
    const text = literal("x' OR WorkflowType = 'deviceApprovalWorkflow");
    expect(text).toBe("'x\\' OR WorkflowType = \\'deviceApprovalWorkflow'");
    // Unescaped quotes: only the opening and the closing one.
    expect(text.replace(/\\\\/g, '').match(/(?<!\\)'/g)).toHaveLength(2);
  });

  it('writes numbers, booleans and dates in the forms the server parses', () => {
    expect(literal(42)).toBe('42');
    expect(literal(true)).toBe('true');
    expect(literal(new Date('2026-01-02T03:04:05.000Z'))).toBe("'2026-01-02T03:04:05.000Z'");
  });

  it('refuses control characters and non-finite numbers', () => {
    expect(() => literal('a\nb')).toThrow(/control characters/);
    expect(() => literal(Number.NaN)).toThrow(/finite/);
  });
});

describe('clauses', () => {
  it('builds equality, IN and time comparisons from typed keys', () => {
    expect(equals(DEVICE_APPROVAL_STATUS_KEY, 'WAITING_FOR_TOKEN').text).toBe(
      "DeviceApprovalStatus = 'WAITING_FOR_TOKEN'",
    );
    expect(oneOf(IDENTITY_FLOW_STATUS_KEY, ['INIT', 'ING']).text).toBe("IdentityFlowStatus IN ('INIT', 'ING')");
    expect(oneOf(IDENTITY_FLOW_STATUS_KEY, ['ING']).text).toBe("IdentityFlowStatus = 'ING'");
    const at = new Date('2026-01-01T00:00:00.000Z');
    expect(before(BUILTIN.StartTime, at).text).toBe("StartTime < '2026-01-01T00:00:00.000Z'");
    expect(after(BUILTIN.CloseTime, at).text).toBe("CloseTime > '2026-01-01T00:00:00.000Z'");
    expect(executionStatus('Running').text).toBe("ExecutionStatus = 'Running'");
  });

  it('joins the given clauses with AND and skips the absent ones', () => {
    const query = and(
      equals(BUILTIN.WorkflowType, 'deviceApprovalWorkflow'),
      undefined,
      equals(DEVICE_APPROVAL_ACCOUNT_KEY, 'acc'),
    );
    expect(query).toBe("WorkflowType = 'deviceApprovalWorkflow' AND DeviceApprovalAccountKey = 'acc'");
  });

  it('refuses an empty IN list and a key whose name is not an identifier', () => {
    expect(() => oneOf(IDENTITY_FLOW_STATUS_KEY, [])).toThrow(/at least one value/);
    expect(() => equals({ name: 'Status = 1 OR x', type: 'KEYWORD' }, 'y')).toThrow(/not a search attribute name/);
  });
});
