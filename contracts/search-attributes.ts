/**
 * Every custom search attribute the project uses, so the dev server launcher and the operator
 * script register them all. Keys are defined in each flow's contracts module. Search attributes
 * are not encrypted by a payload codec: they must never hold personal data.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { PHONE_CHECK_SEARCH_ATTRIBUTES } from './phone-check';
import { DEVICE_APPROVAL_SEARCH_ATTRIBUTES } from './device-approval';
import { IDENTITY_FLOW_SEARCH_ATTRIBUTES } from './identity-flow';
import { FIRST_STARTED_AT_KEY } from './first-started-at';
import { PERSON_LOOKUP_KEY } from './person-lookup';

export const ALL_SEARCH_ATTRIBUTES: ReadonlyArray<SearchAttributePair['key']> = [
  ...PHONE_CHECK_SEARCH_ATTRIBUTES,
  ...DEVICE_APPROVAL_SEARCH_ATTRIBUTES,
  ...IDENTITY_FLOW_SEARCH_ATTRIBUTES,
  // Shared by all three flows.
  FIRST_STARTED_AT_KEY,
  PERSON_LOOKUP_KEY,
];
