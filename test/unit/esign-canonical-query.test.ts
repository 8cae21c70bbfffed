/**
 * The e-signature platform's canonical query (providers/esign/signing.ts `canonicalQuery`), one
 * test per rule of its signature documentation, including the two places where the platform's own
 * demo differs (case-insensitive sorting, `key=` for empty values) and the documentation wins.
 */
import { ESIGN_ACCEPT, ESIGN_CONTENT_TYPE, canonicalQuery, signedResource, stringToSign } from '../../providers/esign';

describe('canonical query', () => {
  it('sorts parameters by name', () => {
    expect(canonicalQuery({ grantType: 'client_credentials', appId: 'app-1', secret: 's' })).toBe(
      'appId=app-1&grantType=client_credentials&secret=s',
    );
  });

  it('sorts by character code, so upper case comes before lower case (the demo folds case)', () => {
    expect(canonicalQuery({ b: '1', A: '2', a: '3', B: '4' })).toBe('A=2&B=4&a=3&b=1');
  });

  it('sorts a name before its extensions, and digits and "_" by their codes', () => {
    expect(canonicalQuery({ ab: '1', a: '2', a_b: '3', a1: '4' })).toBe('a=2&a1=4&a_b=3&ab=1');
  });

  it('writes an empty value as the bare name, without "=" (the demo writes "name=")', () => {
    expect(canonicalQuery({ b: '', a: '1' })).toBe('a=1&b');
  });

  it('leaves values exactly as given: not URL-encoded, UTF-8 text and reserved characters included', () => {
    expect(canonicalQuery({ name: '张三', redirect: 'https://x.test/a?b=c&d' })).toBe(
      'name=张三&redirect=https://x.test/a?b=c&d',
    );
  });

  it('keeps the values of a repeated name in the order given', () => {
    expect(canonicalQuery({ tag: ['z', 'a', ''], id: '7' })).toBe('id=7&tag=z&tag=a&tag');
  });

  it('leaves out an undefined value', () => {
    expect(canonicalQuery({ a: undefined, b: '1' })).toBe('b=1');
  });

  it('is empty without parameters, so the resource is the bare path', () => {
    expect(canonicalQuery({})).toBe('');
    expect(canonicalQuery()).toBe('');
    expect(signedResource('/v1/x', { a: undefined })).toBe('/v1/x');
  });

  it('is what the string to sign ends with, after "?"', () => {
    const text = stringToSign({
      method: 'get',
      accept: ESIGN_ACCEPT,
      contentMd5: '',
      contentType: ESIGN_CONTENT_TYPE,
      path: '/v1/oauth2/access_token',
      query: { secret: 's', appId: 'a', flag: '' },
    });
    expect(text).toBe(`GET\n*/*\n\n${ESIGN_CONTENT_TYPE}\n\n/v1/oauth2/access_token?appId=a&flag&secret=s`);
  });
});
