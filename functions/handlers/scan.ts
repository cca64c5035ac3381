import { parseInboundNotification } from '../app/pipeline-messages.ts';
import { runScanStage } from '../app/scan-stage.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { lambdaDeps } from './lambda-deps.ts';
import { createStageHandler } from './sqs-stage-handler.ts';

/** Stage 1 (scan), fed by the inbound queue with SES receipt notifications. */
export function createScanHandler(getDeps: () => PipelineDeps) {
  return createStageHandler(getDeps, {
    stage: 'scan',
    parse: parseInboundNotification,
    messageIdOf: (mail) => mail.messageId,
    locationOf: (mail) => mail,
    run: runScanStage,
    usesModel: true,
  });
}

export const handler = createScanHandler(lambdaDeps);
