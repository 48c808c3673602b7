import { validateResponse, type ResponseInput, type ResponseSettings, type ResponseVerdict } from './validate-response';

/** Worker-thread entry of the SAML validator pool (validator-pool.ts): one response per task. */
export default function run(task: { settings: ResponseSettings; input: ResponseInput }): Promise<ResponseVerdict> {
  return validateResponse(task.settings, task.input);
}
