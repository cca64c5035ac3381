import { describe, expect, it } from 'vitest';
import {
  newSubmissionId,
  parseSubmissionCategory,
  parseSubmissionId,
  parseSubmissionRecord,
  submissionKeys,
} from '../../../functions/core/submissions/submission.ts';

const at = new Date('2026-11-25T03:25:01.789Z');

describe('submission ids and keys', () => {
  it('start with the time, so keys sort by submission time within a day', () => {
    const id = newSubmissionId(at, Uint8Array.from([0x3f, 0x9a, 0x1c, 0x2e, 0xff]));
    expect(id).toBe('20261125T032501Z-3f9a1c2e');
    expect(submissionKeys(id)).toEqual({
      message: 'submissions/2026-11-25/20261125T032501Z-3f9a1c2e.eml',
      record: 'submissions/2026-11-25/20261125T032501Z-3f9a1c2e.json',
    });
    expect(newSubmissionId(new Date('2026-11-25T03:25:02Z'), new Uint8Array(4)) > id).toBe(true);
  });

  it('refuses ids that are not ours, since they become part of an S3 key', () => {
    for (const bad of ['../incoming/x', '20261125T032501Z-3F9A1C2E', '20261125T032501Z-3f9a1c2e.json', '']) {
      expect(() => parseSubmissionId(bad)).toThrow(/is not a submission id/);
    }
    expect(parseSubmissionId('20261125T032501Z-3f9a1c2e')).toBe('20261125T032501Z-3f9a1c2e');
  });
});

describe('categories and stored records', () => {
  it('names the allowed categories when given another', () => {
    expect(parseSubmissionCategory('not-spam')).toBe('not-spam');
    expect(() => parseSubmissionCategory('ham')).toThrow(
      'category must be one of missed-spam, not-spam, missed-marketing, not-marketing, missed-phishing',
    );
  });

  it('reads back a valid record and nothing else', () => {
    const record = {
      id: '20261125T032501Z-3f9a1c2e',
      category: 'missed-phishing',
      source: 'mailbox',
      submittedBy: 'alice@example.com',
      submittedAt: at.toISOString(),
      size: 120,
    };
    expect(parseSubmissionRecord(JSON.stringify(record))).toEqual(record);
    expect(parseSubmissionRecord(JSON.stringify({ ...record, category: 'ham' }))).toBeUndefined();
    expect(parseSubmissionRecord(JSON.stringify({ ...record, extra: 1 }))).toBeUndefined();
    expect(parseSubmissionRecord('{"id":')).toBeUndefined();
  });
});
