import { SECURITY_EVENT_SEVERITIES } from '@jutsu/shared';
import { describe, expect, it } from 'vitest';
import { SEVERITY_COLOR, SEVERITY_LABEL } from './events.ts';

describe('severity words', () => {
  it('has a label and a colour for every severity the contract defines', () => {
    for (const severity of SECURITY_EVENT_SEVERITIES) {
      expect(SEVERITY_LABEL[severity]).toBeTruthy();
      expect(SEVERITY_COLOR[severity]).toBeTruthy();
    }
  });
});
