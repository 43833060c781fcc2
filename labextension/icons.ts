import { LabIcon } from '@jupyterlab/ui-components';

import compareSvgstr from '../style/icons/compare.svg';
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
