import { describe, expect, it } from 'vitest';
import {
  assessGraymail,
  classifyGraymail,
  DEFAULT_GRAYMAIL_SETTINGS,
  NO_AUTOMATION_EVIDENCE,
  resolveGraymailSettings,
} from '../../../functions/core/graymail/classify-graymail.ts';
import { parse } from '../../support/parsed.ts';

const newsletter = `From: Deals Weekly <news@deals.example.net>
Subject: This week only: 20% off
List-Unsubscribe: <https://deals.example.net/unsub?u=123>, <mailto:unsub@deals.example.net>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
Feedback-ID: campaign42:deals:esp

Our best deals of the week.
`;

describe('classifyGraymail', () => {
  it('classifies the demo newsletter as marketing, with weighted reasons and evidence', async () => {
    // Prepare
    const message = await parse(newsletter);
    // Act
    const result = classifyGraymail(message);
    // Assess
    expect(result.category).toBe('marketing');
    expect(result.reasons.map((r) => r.id)).toEqual(
      expect.arrayContaining(['LIST_UNSUBSCRIBE', 'FEEDBACK_ID', 'PROMO_SUBJECT']),
    );
    expect(result.reasons.find((r) => r.id === 'PROMO_SUBJECT')).toMatchObject({
      group: 'body',
      score: 3,
      evidence: 'Subject: "20% off"',
    });
    const scores = result.reasons.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('leaves a person at a social network writing directly as "none", and says why', async () => {
    const message = await parse(
      'From: Dana Whitfield <dwhitfield@linkedin.com>\nSubject: Commented on your draft\n\nSee my notes on your post.\n',
    );
    const result = assessGraymail(message);
    expect(result.scores.social).toBeGreaterThanOrEqual(DEFAULT_GRAYMAIL_SETTINGS.thresholds.social);
    expect(result.automated).toBe(false);
    expect(result.category).toBe('none');
    expect(result.reasons.map((r) => r.id)).toContain(NO_AUTOMATION_EVIDENCE);
  });

  it('does not call list mail from a non-social sender "social", however many list headers it has', async () => {
    const message = await parse(
      'From: news@club.example\nSubject: New followers and comments\nList-Id: <club.example>\nList-Unsubscribe: <https://club.example/u>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\nFeedback-ID: a:b:c\n\nx\n',
    );
    expect(classifyGraymail(message).category).toBe('bulk');
  });

  it('keeps transactional mail sent through an ESP with List-Unsubscribe as "none", with the suppressing reasons', async () => {
    const message = await parse(
      'From: Shop <orders@shop.example>\nSubject: Your order #1234 has shipped\nX-SG-EID: abc\nList-Unsubscribe: <https://shop.example/u>\n\nTracking number: 1Z999\nShop now: 20% off bedding, use code BED20.\n',
    );
    const result = classifyGraymail(message);
    expect(result.category).toBe('none');
    expect(result.reasons.filter((r) => r.score < 0).map((r) => r.id)).toEqual(
      expect.arrayContaining(['TRANSACTIONAL_SUBJECT', 'TRANSACTIONAL_BODY', 'TRANSACTIONAL_SENDER']),
    );
  });

  it('returns "none" with no reasons for plain mail', async () => {
    expect(classifyGraymail(await parse('From: a@example.org\nSubject: hi\n\nhello\n'))).toEqual({
      category: 'none',
      reasons: [],
    });
  });

  it('applies weight and threshold overrides from settings', async () => {
    const message = await parse(newsletter);
    expect(classifyGraymail(message, { thresholds: { marketing: 99, bulk: 99 } }).category).toBe('none');
    const muted = classifyGraymail(message, { weights: { PROMO_SUBJECT: { marketing: 0 } } });
    expect(muted.reasons.map((r) => r.id)).not.toContain('PROMO_SUBJECT');
  });

  it('reads no more of the body than maxBodyChars', async () => {
    const padding = 'lorem ipsum dolor sit amet '.repeat(200);
    const message = await parse(
      `From: news@club.example\nSubject: x\nList-Unsubscribe: <https://club.example/u>\n\n${padding}\nIn this issue: things.\n`,
    );
    expect(assessGraymail(message).fired).toContain('NEWSLETTER_BODY');
    expect(assessGraymail(message, { maxBodyChars: 1024 }).fired).not.toContain('NEWSLETTER_BODY');
  });
});

describe('resolveGraymailSettings', () => {
  it('fills defaults and rejects invalid limits instead of coalescing them', () => {
    expect(resolveGraymailSettings()).toEqual(DEFAULT_GRAYMAIL_SETTINGS);
    expect(() => resolveGraymailSettings({ thresholds: { social: 0 } })).toThrow(RangeError);
    expect(() => resolveGraymailSettings({ thresholds: { bulk: Number.NaN } })).toThrow(RangeError);
    expect(() => resolveGraymailSettings({ maxBodyChars: 10 })).toThrow(/maxBodyChars/);
    expect(() => resolveGraymailSettings({ maxBodyChars: 5000.5 })).toThrow(/maxBodyChars/);
    expect(() => resolveGraymailSettings({ weights: { NOT_A_SIGNAL: { bulk: 1 } } })).toThrow(/unknown/);
    expect(() =>
      resolveGraymailSettings({ weights: { LIST_ID: { bulk: Number.POSITIVE_INFINITY } } }),
    ).toThrow(/invalid/);
  });
});
