/**
 * How the simulated gateway decides its answer: by the last two digits of the phone number, so a
 * test picks any `Result` with otherwise valid factors. Everything not listed verifies (0).
 *
 * | phone ends in | Result | meaning                      |
 * |---------------|--------|------------------------------|
 * | 04            | -4     | factors do not match (billed) |
 * | 06            | -6     | invalid phone number         |
 * | 07            | -7     | invalid ID number            |
 * | 08            | -8     | name check failed            |
 * | 09            | -9     | no record                    |
 * | 11            | -11    | busy, on every call          |
 * | 12            | -12    | daily limit for this number  |
 * | 13            | -13    | number range not supported   |
 * | anything else | 0      | verified (billed)            |
 *
 * A one-off busy answer before the real one comes from the `busy` fault instead.
 */
export const RESULT_BY_PHONE_SUFFIX: Readonly<Record<string, number>> = {
  '04': -4,
  '06': -6,
  '07': -7,
  '08': -8,
  '09': -9,
  '11': -11,
  '12': -12,
  '13': -13,
};

export const BUSY_RESULT = -11;

export const DESCRIPTIONS: Readonly<Record<number, string>> = {
  0: '认证通过',
  [-4]: '三要素信息不一致',
  [-6]: '手机号码不合法',
  [-7]: '身份证号码有误',
  [-8]: '姓名校验不通过',
  [-9]: '没有记录',
  [-11]: '验证中心服务繁忙',
  [-12]: '该手机号当日验证次数已达上限',
  [-13]: '不支持该号段',
};

export function resultForPhone(phone: string): number {
  return RESULT_BY_PHONE_SUFFIX[phone.slice(-2)] ?? 0;
}

/** The carrier of a number range (a sample of the real allocation; other ranges answer ""). */
const ISP_BY_PREFIX: ReadonlyArray<[RegExp, string]> = [
  [/^1(3[4-9]|47|5[0-27-9]|78|8[2-478]|98)/, '移动'],
  [/^1(3[0-2]|45|5[56]|66|7[56]|8[56])/, '联通'],
  [/^1(33|49|53|7[37]|8[019]|99)/, '电信'],
];

export function ispForPhone(phone: string): string {
  return ISP_BY_PREFIX.find(([pattern]) => pattern.test(phone))?.[1] ?? '';
}
