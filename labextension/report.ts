import { MainAreaWidget } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import {
  downloadIcon,
  IFrame,
  refreshIcon,
  ToolbarButton
} from '@jupyterlab/ui-components';

import { versionsIcon } from './icons';
import { getReport } from './request';
import { IVersion, ReportFormat } from './types';

const SUFFIX: Record<ReportFormat, string> = {
  html: '.html',
  markdown: '.md',
  json: '.json',
  'prov-json': '.prov.json'
};

/**
 * A main-area tab with the provenance report of a version: which notebook
 * version made it, from which data and environment, with which metrics and
 * models. The page is shown in a sandboxed frame (no scripts, no access to
 * JupyterLab); the toolbar downloads it as HTML, Markdown, JSON or PROV-JSON.
 */
export class ReportPanel extends MainAreaWidget<IFrame> {
  constructor(options: ReportPanel.IOptions) {
    const content = new IFrame({ sandbox: [] });
    super({ content });
    this._options = options;
    const { path, version, model } = options;
    this.addClass('jp-mv-ReportPanel');
    if (model) {
      this.id = `jupyter-mv-report-model-${model.replace(/[^\w-]/g, '_')}`;
      this.title.label = `${model}: provenance`;
      this.title.caption = `Provenance report of model ${model} (${path})`;
    } else {
      this.id = `jupyter-mv-report-${version.id.slice(0, 12)}`;
      this.title.label = `${PathExt.basename(path)} ${version.name}: provenance`;
      this.title.caption = `Provenance report of ${version.name} of ${path}`;
    }
    this.title.icon = versionsIcon;
    this.title.closable = true;
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: 'Build the report again',
        onClick: () => void this.load()
      })
    );
    for (const format of [
      'html',
      'markdown',
      'json',
      'prov-json'
    ] as ReportFormat[]) {
      this.toolbar.addItem(
        `download-${format}`,
        new ToolbarButton({
          icon: downloadIcon,
          label: format === 'markdown' ? 'Markdown' : format.toUpperCase(),
          tooltip: `Download the report as ${format}`,
          onClick: () => void this.download(format)
        })
      );
    }
    void this.load();
  }

  /** Fetch the HTML report and show it. */
  async load(): Promise<void> {
    const { path } = this._options;
    let html: string;
    try {
      html = await getReport(path, this._ref, 'html', this._options.theme());
    } catch (reason) {
      const message = reason instanceof Error ? reason.message : String(reason);
      html = `<!doctype html><meta charset="utf-8"><p style="font-family:sans-serif;color:#c62828">Could not build the report: ${escapeHTML(message)}</p>`;
    }
    this._setURL(URL.createObjectURL(new Blob([html], { type: 'text/html' })));
  }

  /** Save the report in `format` through the browser. */
  async download(format: ReportFormat): Promise<void> {
    const { path, version, model } = this._options;
    const text = await getReport(path, this._ref, format, 'auto');
    const url = URL.createObjectURL(
      new Blob([text], { type: 'application/octet-stream' })
    );
    const link = document.createElement('a');
    link.href = url;
    const what = model
      ? model.replace(/[^\w.-]/g, '_')
      : `${PathExt.basename(path, '.ipynb')}-${version.name}`;
    link.download = `${what}-provenance${SUFFIX[format]}`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  override dispose(): void {
    this._setURL(null);
    super.dispose();
  }

  /** What the report is of: the model ref when there is one, else the version's id. */
  private get _ref(): string {
    return this._options.model ?? this._options.version.id;
  }

  private _setURL(url: string | null): void {
    if (this._url) {
      URL.revokeObjectURL(this._url);
    }
    this._url = url;
    if (url && !this.isDisposed) {
      this.content.url = url;
    }
  }

  private _options: ReportPanel.IOptions;
  private _url: string | null = null;
}

export namespace ReportPanel {
  export interface IOptions {
    path: string;
    /** The notebook version the report is of (for a model: the one that made it). */
    version: IVersion;
    /** A model ref (`churn:2`): the model's own report (its metrics, params, lineage). */
    model?: string;
    /** The theme the report should use: JupyterLab's current one. */
    theme: () => 'light' | 'dark' | 'auto';
  }
}

function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}
