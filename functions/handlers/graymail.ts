import { runGraymailStage } from '../app/graymail-stage.ts';
import { parseStageMessage, type ScannedMessage } from '../app/pipeline-messages.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { lambdaDeps } from './lambda-deps.ts';
import { createStageHandler } from './sqs-stage-handler.ts';

/** Stage 2 (graymail), fed by the graymail queue. */
export function createGraymailHandler(getDeps: () => PipelineDeps) {
  return createStageHandler(getDeps, {
    stage: 'graymail',
    parse: (body) => parseStageMessage<ScannedMessage>(body, 'scan'),
    messageIdOf: (message) => message.mail.messageId,
    locationOf: (message) => message.mail,
    run: runGraymailStage,
  });
}

export const handler = createGraymailHandler(lambdaDeps);
