import { describe, expect, it } from 'vitest';
import { evaluateGraymail, formatGraymailEvaluation } from '../../../functions/core/graymail/evaluate.ts';
import { parse } from '../../support/parsed.ts';

describe('evaluateGraymail', () => {
  it('computes the confusion matrix, precision, recall and accuracy', async () => {
    // Prepare: one marketing message labelled correctly, one labelled wrongly, one plain.
    const marketing = await parse(
      'From: deals@shop.example\nSubject: 30% off everything\nList-Unsubscribe: <https://shop.example/u>\nX-MC-User: 1\n\nShop now, use code X.\n',
    );
    const plain = await parse('From: a@example.org\nSubject: hi\n\nhello\n');
    // Act
    const evaluation = evaluateGraymail([
      { label: 'marketing', message: marketing, name: 'right' },
      { label: 'none', message: marketing, name: 'wrong' },
      { label: 'none', message: plain },
    ]);
    // Assess
    expect(evaluation.confusion.marketing.marketing).toBe(1);
    expect(evaluation.confusion.none.marketing).toBe(1);
    expect(evaluation.confusion.none.none).toBe(1);
    expect(evaluation.accuracy).toBeCloseTo(2 / 3);
    expect(evaluation.noneAsGraymail).toBe(1);
    expect(evaluation.categories.marketing).toEqual({
      support: 1,
      predicted: 2,
      correct: 1,
      precision: 0.5,
      recall: 1,
    });
    expect(evaluation.categories.social).toMatchObject({ support: 0, precision: null, recall: null });
    expect(evaluation.misclassified).toEqual([
      {
        name: 'wrong',
        label: 'none',
        predicted: 'marketing',
        reasonIds: expect.arrayContaining(['LIST_UNSUBSCRIBE']),
      },
    ]);
    const report = formatGraymailEvaluation(evaluation);
    expect(report).toContain('accuracy 66.7% (2/3)');
    expect(report).toContain('wrong: none → marketing');
  });

  it('reports an empty set without dividing by zero', () => {
    const evaluation = evaluateGraymail([]);
    expect(evaluation.accuracy).toBeNull();
    expect(formatGraymailEvaluation(evaluation)).toContain('accuracy n/a (0/0)');
  });
});
