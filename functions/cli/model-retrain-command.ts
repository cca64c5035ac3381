import type { AdminApiCall } from '../adapters/admin-api-client.ts';
import type { RetrainAccepted } from '../app/retrain.ts';

/**
 * `graywall model retrain`: "update now". The API starts the run and answers at once (202);
 * the outcome shows in `graywall model history` when it is done.
 */
export async function modelRetrainCommand(
  api: AdminApiCall,
  values: { readonly json?: boolean | undefined },
  io: { readonly out: (text: string) => void; readonly json: (value: unknown) => void },
): Promise<number> {
  const accepted = await api<RetrainAccepted>('POST', '/admin/model/retrain', {}, {});
  if (values.json) io.json(accepted);
  else io.out(`Retraining started: ${accepted.detail}.\n${accepted.next}`);
  return 0;
}
