import { NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';

/** The comm target, on both sides: the kernel side of jupyter-mv registers it too. */
export const COMM_TARGET = 'jupyter-mv';

/** What the front end does for the kernel. */
export interface IKernelRequests {
  /** Save the notebook (before `%mv snapshot`, so the version holds what the user sees). */
  save: (panel: NotebookPanel) => Promise<void>;
  /** The kernel stored a version: show it. */
  refresh: (panel: NotebookPanel) => Promise<void>;
}

/**
 * Answer the kernel side of a notebook.
 *
 * The front end tells the kernel it is here: it opens a comm on `jupyter-mv`
 * with `{"path": ...}` when it connects to the kernel (again once a restarted
 * kernel is idle, and when the kernel says `{"action": "hello"}`), and
 * closes it when the notebook or the browser tab closes.
 *
 * The kernel opens a comm on `jupyter-mv` with `{"action": "save"}` (then
 * waits for the notebook's file to change) or `{"action": "refresh"}`. A
 * kernel is busy while `%mv snapshot` runs, but its comm messages reach the
 * front end on the IOPub channel all the same. See docs/kernel-comm.md.
 */
export function answerKernelRequests(
  panel: NotebookPanel,
  requests: IKernelRequests
): void {
  let here: Kernel.IComm | null = null;
  let hereOn: Kernel.IKernelConnection | null = null;
  let wanted = false;
  const sayHere = (kernel: Kernel.IKernelConnection): void => {
    wanted = false;
    if (here && !here.isDisposed && hereOn === kernel) {
      return;
    }
    try {
      hereOn = kernel;
      here = kernel.createComm(COMM_TARGET);
      here.open({ path: panel.context.path });
    } catch (reason) {
      console.warn('jupyter-mv: cannot reach the kernel', reason);
    }
  };
  const register = (
    kernel: Kernel.IKernelConnection | null | undefined
  ): void => {
    if (!kernel) {
      return;
    }
    kernel.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting') {
        wanted = true;
      } else if (status === 'idle' && wanted) {
        sayHere(kernel);
      }
    });
    // Queued before any cell the user runs, even while the kernel starts.
    sayHere(kernel);
    kernel.registerCommTarget(
      COMM_TARGET,
      (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg) => {
        const action = (msg.content.data as { action?: unknown }).action;
        if (action === 'hello') {
          // The kernel loaded jupyter-mv by hand: tell it we are here.
          comm.close();
          sayHere(kernel);
          return;
        }
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
  panel.sessionContext.kernelChanged.connect((_, change) =>
    register(change.newValue)
  );
  register(panel.sessionContext.session?.kernel);
  panel.context.pathChanged.connect((_, path) => {
    if (here && !here.isDisposed) {
      here.send({ path });
    }
  });
  // Closing the notebook, or the browser tab, leaves its kernel running: it
  // must not wait for this front end any more (the connection is still open).
  const goodbye = (): void => {
    if (here && !here.isDisposed) {
      try {
        here.close();
      } catch {
        // the connection is already gone
      }
    }
  };
  window.addEventListener('pagehide', goodbye);
  panel.sessionContext.disposed.connect(() => {
    window.removeEventListener('pagehide', goodbye);
    goodbye();
  });
}
