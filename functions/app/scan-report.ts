import type { GraywallConfig } from '../core/config/schema.ts';
import { classifyGraymail, type GraymailResult } from '../core/graymail/classify-graymail.ts';
import { normalizeBareCr } from '../core/mime/raw-message.ts';
import { scanRawMessage } from '../core/scan/scan-message.ts';
import type { StatisticalModel } from '../core/scan/statistical/model.ts';
import type { ScanResult } from '../core/scan/types.ts';

export interface ScanReport extends ScanResult {
  readonly graymail: GraymailResult;
}

/**
 * What the pipeline would conclude about a message, without the pipeline: the scan stage's
 * scoring (same core, same model, same thresholds) and the graymail stage's category. Used
 * by `graywall scan` and the benchmark; the stages themselves add tracking and actions.
 */
export async function scanForReport(
  raw: Uint8Array,
  config: Pick<GraywallConfig, 'antispam'>,
  model: StatisticalModel | undefined,
): Promise<ScanReport> {
  // Zero bytes is no message at all (an empty pipe, a truncated download): scoring it would
  // print a verdict about nothing.
  if (raw.byteLength === 0) throw new Error('empty input: no message to scan');
  const { result, message } = await scanRawMessage(
    normalizeBareCr(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)),
    {},
    { ...config.antispam, ...(model ? { model } : {}) },
  );
  const graymail: GraymailResult =
    message && result.verdict !== 'positive' && result.verdict !== 'unscannable'
      ? classifyGraymail(message)
      : { category: 'none', reasons: [] };
  return { ...result, graymail };
}
