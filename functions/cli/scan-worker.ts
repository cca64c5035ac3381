// A worker thread of `graywall scan`: loads the model once, then scans the files it is sent.
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { loadModelFile } from '../adapters/load-model.ts';
import { scanForReport } from '../app/scan-report.ts';
import type { GraywallConfig } from '../core/config/schema.ts';

const { config, modelPath } = workerData as {
  config: Pick<GraywallConfig, 'antispam'>;
  modelPath?: string;
};
const model = loadModelFile(modelPath);

parentPort?.on('message', async (file: string) => {
  try {
    const report = await scanForReport(await readFile(file), config, model);
    parentPort?.postMessage({ file, report });
  } catch (error) {
    parentPort?.postMessage({ file, error: (error as Error).message });
  }
});
