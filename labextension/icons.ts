import { LabIcon } from '@jupyterlab/ui-components';

import compareSvgstr from '../style/icons/compare.svg';
import localSvgstr from '../style/icons/local.svg';
import pullSvgstr from '../style/icons/pull.svg';
import pushSvgstr from '../style/icons/push.svg';
import pushedSvgstr from '../style/icons/pushed.svg';
import snapshotSvgstr from '../style/icons/snapshot.svg';
import versionsSvgstr from '../style/icons/versions.svg';

/** Icon of the versions sidebar (a clock with a backward arrow). */
export const versionsIcon = new LabIcon({
  name: 'jupyter-mv:versions',
  svgstr: versionsSvgstr
});

/** Icon of the snapshot command (a camera). */
export const snapshotIcon = new LabIcon({
  name: 'jupyter-mv:snapshot',
  svgstr: snapshotSvgstr
});

/** Icon of the comparison of two versions (two halves). */
export const compareIcon = new LabIcon({
  name: 'jupyter-mv:compare',
  svgstr: compareSvgstr
});

/** Icon of a push to a remote (a cloud with an upward arrow). */
export const pushIcon = new LabIcon({
  name: 'jupyter-mv:push',
  svgstr: pushSvgstr
});

/** Icon of a pull from a remote (a cloud with a downward arrow). */
export const pullIcon = new LabIcon({
  name: 'jupyter-mv:pull',
  svgstr: pullSvgstr
});

/** Badge of a version that is on a remote (a cloud with a check). */
export const pushedIcon = new LabIcon({
  name: 'jupyter-mv:pushed',
  svgstr: pushedSvgstr
});

/** Badge of a version only in this project's store (a crossed-out cloud). */
export const localIcon = new LabIcon({
  name: 'jupyter-mv:local',
  svgstr: localSvgstr
});
