import { runActionStage } from '../app/action-stage.ts';
import { type ClassifiedMessage, parseStageMessage } from '../app/pipeline-messages.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { lambdaDeps } from './lambda-deps.ts';
import { createStageHandler } from './sqs-stage-handler.ts';

/** Stage 3 (policy and action), fed by the action queue. */
export function createActionHandler(getDeps: () => PipelineDeps) {
  return createStageHandler(getDeps, {
    stage: 'action',
    parse: (body) => parseStageMessage<ClassifiedMessage>(body, 'graymail'),
    messageIdOf: (message) => message.mail.messageId,
    locationOf: (message) => message.mail,
    run: runActionStage,
  });
}

export const handler = createActionHandler(lambdaDeps);
