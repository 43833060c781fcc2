// SVG files are bundled as their source text (used to build LabIcons).
declare module '*.svg' {
  const svgstr: string;
  export default svgstr;
}
