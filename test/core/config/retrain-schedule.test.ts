import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/parse-config.ts';
import { ConfigError } from '../../../functions/core/errors.ts';

const minimal = 'domains: [example.com]\ndelivery: { type: smtp, host: mail.example.com }\n';
const withSchedule = (schedule: string) =>
  parseConfig(`${minimal}model:\n  retrainSchedule: "${schedule}"\n`, 'graywall.yaml');

describe('model.retrainSchedule', () => {
  it('defaults to weekly, Sundays at 03:00 UTC', () => {
    expect(parseConfig(minimal, 'graywall.yaml').model.retrainSchedule).toBe('cron(0 3 ? * SUN *)');
  });

  it('takes any EventBridge schedule of at least an hour', () => {
    expect(withSchedule('rate(1 day)').model.retrainSchedule).toBe('rate(1 day)');
    expect(withSchedule('cron(30 2 1 * ? *)').model.retrainSchedule).toBe('cron(30 2 1 * ? *)');
  });

  it('refuses what EventBridge would refuse at deploy time, or a run every few minutes', () => {
    for (const bad of [
      'weekly',
      'rate(5 minutes)',
      'rate(1 days)',
      'cron(0 3 * * * *)',
      'cron(0 3 ? * SUN)',
    ]) {
      expect(() => withSchedule(bad)).toThrow(ConfigError);
    }
    expect(() => withSchedule('rate(5 minutes)')).toThrow(
      /model\.retrainSchedule: must be an EventBridge schedule/,
    );
  });
});
