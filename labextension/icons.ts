import { LabIcon } from '@jupyterlab/ui-components';

import versionsSvgstr from '../style/icons/versions.svg';

/** Icon of the versions sidebar (a clock with a backward arrow). */
export const versionsIcon = new LabIcon({
  name: 'jupyter-mv:versions',
  svgstr: versionsSvgstr
});
