import { BadRequestError, RequestValidationError } from '../../../common/errors/api-errors';
import { LEAK_REPORT_MAX_TOKENS, reportedTokensOf } from './leak-report';

const issuesOf = (body: unknown) => {
  try {
    reportedTokensOf(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.issues;
    throw error;
  }
  throw new Error('accepted');
};

describe('a leak report’s body', () => {
  it('takes GitHub’s matches, ignoring fields it does not know', () => {
    expect(
      reportedTokensOf([
        { token: 'tk_live_x', type: 'tessera_api_key', url: 'https://x', source: 'commit' },
        { token: 'y', url: '', extra: { nested: true } },
      ]),
    ).toEqual([
      { token: 'tk_live_x', type: 'tessera_api_key', url: 'https://x', source: 'commit' },
      { token: 'y', type: 'tessera_api_key', url: null, source: null },
    ]);
    expect(reportedTokensOf([])).toEqual([]);
  });

  it('refuses anything else in the contract’s 422, and too many tokens with a 400', () => {
    expect(issuesOf({ token: 'x' })).toEqual([
      { loc: ['body'], msg: 'value is not a valid list', type: 'type_error.list' },
    ]);
    expect(issuesOf([{ token: 5 }, null, { token: 'x', url: 'u'.repeat(2049) }])).toEqual([
      { loc: ['body', 0, 'token'], msg: 'str type expected', type: 'type_error.str' },
      { loc: ['body', 1], msg: 'value is not a valid object', type: 'type_error.dict' },
      {
        loc: ['body', 2, 'url'],
        msg: 'ensure this value has at most 2048 characters',
        type: 'value_error.any_str.max_length',
      },
    ]);
    expect(issuesOf([{ token: '\ud800' }])[0]).toMatchObject({
      loc: ['body', 0, 'token'],
      type: 'value_error.str.surrogate',
    });
    const tooMany = Array.from({ length: LEAK_REPORT_MAX_TOKENS + 1 }, () => ({ token: 'x' }));
    expect(() => reportedTokensOf(tooMany)).toThrow(BadRequestError);
    expect(reportedTokensOf(tooMany.slice(1))).toHaveLength(LEAK_REPORT_MAX_TOKENS);
  });
});
