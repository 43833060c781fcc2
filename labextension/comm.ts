import { NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';

/** The comm target the kernel side opens to reach the front end. */
export const COMM_TARGET = 'jupyter-mv';

/** What the front end does for the kernel. */
export interface IKernelRequests {
  /** Save the notebook (before `%mv snapshot`, so the version holds what the user sees). */
  save: (panel: NotebookPanel) => Promise<void>;
  /** The kernel stored a version: show it. */
  refresh: (panel: NotebookPanel) => Promise<void>;
}

/**
 * Answer the kernel side of a notebook: it opens a comm on `jupyter-mv` with
 * `{"action": "save"}` (then waits for the notebook's file to change, or for
 * the reply `{"saved": true}`) or `{"action": "refresh"}`. A kernel is busy
 * while `%mv snapshot` runs, but comm messages reach the front end on the
 * IOPub channel all the same.
 */
export function answerKernelRequests(
  panel: NotebookPanel,
  requests: IKernelRequests
): void {
  const register = (kernel: Kernel.IKernelConnection | null | undefined): void => {
    if (!kernel) {
      return;
    }
    kernel.registerCommTarget(
      COMM_TARGET,
      (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg) => {
        const action = (msg.content.data as { action?: unknown }).action;
        const answer = async (): Promise<Record<string, string | boolean>> => {
          if (action === 'save') {
            await requests.save(panel);
            return { saved: true, path: panel.context.path };
          }
          if (action === 'refresh') {
            await requests.refresh(panel);
            return { refreshed: true };
          }
          return { error: `unknown action ${String(action)}` };
        };
        void answer()
          .catch(reason => ({
            error: reason instanceof Error ? reason.message : String(reason)
          }))
          .then(reply => {
            if (!comm.isDisposed) {
              comm.send(reply);
              comm.close();
            }
          });
      }
    );
  };
  panel.sessionContext.kernelChanged.connect((_, change) => register(change.newValue));
  register(panel.sessionContext.session?.kernel);
}
