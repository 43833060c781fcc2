import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { IRemote, IVersion } from '../types';

/** Reports a change of some of a form's fields. */
export type FormChange<T> = (change: Partial<T>) => void;

/**
 * The body of a dialog: a React form whose value the dialog answers when it
 * is accepted (`showDialog(...).value`).
 *
 * The form's fields are uncontrolled: they report each change, and the body
 * keeps the value, so nothing renders again while the user types.
 */
export class FormBody<T extends object>
  extends ReactWidget
  implements Dialog.IBodyWidget<T>
{
  constructor(
    value: T,
    form: (onChange: FormChange<T>) => JSX.Element,
    ...classes: string[]
  ) {
    super();
    this._value = value;
    this._form = form;
    this.addClass('jp-mv-DialogBody');
    classes.forEach(name => this.addClass(name));
    // Render now, as the dialog does for a React element, so that the dialog
    // styles and focuses the fields once they are drawn.
    MessageLoop.sendMessage(this, Widget.Msg.UpdateRequest);
  }

  getValue(): T {
    return this._value;
  }

  protected render(): JSX.Element {
    return this._form(change => {
      this._value = { ...this._value, ...change };
    });
  }

  private _value: T;
  private _form: (onChange: FormChange<T>) => JSX.Element;
}

/** One line of text (or a few, `multiline`) under a label. */
export function TextForm(props: {
  label: string;
  placeholder: string;
  text?: string;
  multiline?: boolean;
  onChange: FormChange<{ text: string }>;
}): JSX.Element {
  const onChange = (
    event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>
  ): void => props.onChange({ text: event.target.value });
  return (
    <label>
      {props.label}
      {props.multiline ? (
        <textarea
          className="jp-mod-styled jp-mv-DialogInput"
          rows={3}
          placeholder={props.placeholder}
          defaultValue={props.text}
          onChange={onChange}
        />
      ) : (
        <input
          className="jp-mod-styled jp-mv-DialogInput"
          placeholder={props.placeholder}
          defaultValue={props.text}
          onChange={onChange}
        />
      )}
    </label>
  );
}

/** A remote's name and fsspec URL. */
export interface IRemoteFields {
  name: string;
  url: string;
}

/** The "add a remote" form: a name and an fsspec URL. */
export function RemoteForm(props: {
  name: string;
  url?: string;
  /** Why the last try was refused: shown whole, above the fields. */
  error?: string | null;
  onChange: FormChange<IRemoteFields>;
}): JSX.Element {
  return (
    <>
      {props.error && (
        <p className="jp-mv-DialogError" role="alert">
          {props.error}
        </p>
      )}
      <label>
        Name (letters, digits, _ . -)
        <input
          className="jp-mod-styled jp-mv-DialogInput jp-mv-RemoteName"
          placeholder="origin"
          defaultValue={props.name}
          onChange={event => props.onChange({ name: event.target.value })}
        />
      </label>
      <label>
        URL
        <input
          className="jp-mod-styled jp-mv-DialogInput jp-mv-RemoteURL"
          placeholder="s3://bucket/prefix"
          defaultValue={props.url ?? ''}
          onChange={event => props.onChange({ url: event.target.value })}
        />
      </label>
      <p className="jp-mv-DialogHelp">
        {'file:///shared/folder, s3://bucket/prefix or sftp://host/path. ' +
          'No passwords here: credentials come from the usual AWS and SSH ' +
          'configuration of the server.'}
      </p>
    </>
  );
}

/** A choice among the project's remotes, `chosen` first selected. */
export function RemotePicker(props: {
  remotes: ReadonlyArray<IRemote>;
  chosen: string;
  onChange: FormChange<{ remote: string }>;
}): JSX.Element {
  return (
    <label>
      Remote
      <select
        className="jp-mod-styled jp-mv-DialogInput jp-mv-RemotePicker"
        defaultValue={props.chosen}
        onChange={event => props.onChange({ remote: event.target.value })}
      >
        {props.remotes.map(remote => (
          <option key={remote.name} value={remote.name}>
            {`${remote.name}${remote.default ? ' (default)' : ''} · ${remote.url}`}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The restore confirmation: what happens, and whether files come back too. */
export function RestoreForm(props: {
  version: IVersion;
  notebook: string;
  otherFiles: number;
  onChange: FormChange<{ files: boolean }>;
}): JSX.Element {
  const { version, otherFiles } = props;
  return (
    <>
      <p>
        {`${props.notebook} will be replaced by ${version.name}` +
          (version.message ? ` (“${version.message}”)` : '') +
          '. Its current state, unsaved changes included, is first kept as a ' +
          'safety version, so nothing is lost.'}
      </p>
      {otherFiles > 0 && (
        <label className="jp-mv-RestoreFiles">
          <input
            type="checkbox"
            onChange={event => props.onChange({ files: event.target.checked })}
          />
          {` Also restore the ${otherFiles} data and model ` +
            `file${otherFiles === 1 ? '' : 's'} it holds`}
        </label>
      )}
    </>
  );
}

/** Ask for one line of text; null when cancelled or left empty. */
export async function askText(
  title: string,
  label: string,
  placeholder: string,
  text = ''
): Promise<string | null> {
  const body = new FormBody({ text }, onChange => (
    <TextForm
      label={label}
      placeholder={placeholder}
      text={text}
      onChange={onChange}
    />
  ));
  const answer = await showDialog({
    title,
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'OK' })],
    focusNodeSelector: 'input'
  });
  const value = answer.value ? answer.value.text.trim() : '';
  return answer.button.accept && value ? value : null;
}

/** Ask for the message of a snapshot; null when cancelled (empty is fine). */
export async function askMessage(notebook: string): Promise<string | null> {
  const body = new FormBody({ text: '' }, onChange => (
    <TextForm
      label="What changed? (optional)"
      placeholder="e.g. more trees, new features"
      multiline
      onChange={onChange}
    />
  ));
  const answer = await showDialog({
    title: `Snapshot ${notebook}`,
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Snapshot' })],
    focusNodeSelector: 'textarea'
  });
  return answer.button.accept && answer.value ? answer.value.text.trim() : null;
}

/**
 * Ask for a new remote's name (`name` suggested) and URL; null when
 * cancelled. After a refusal, `url` and `error` bring back what was typed
 * and say why.
 */
export async function askRemote(
  name: string,
  url = '',
  error: string | null = null
): Promise<IRemoteFields | null> {
  const body = new FormBody(
    { name, url },
    onChange => (
      <RemoteForm name={name} url={url} error={error} onChange={onChange} />
    ),
    'jp-mv-RemoteBody'
  );
  const answer = await showDialog({
    title: 'Add a remote',
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Add' })],
    focusNodeSelector: 'input'
  });
  if (!answer.button.accept || !answer.value) {
    return null;
  }
  return { name: answer.value.name.trim(), url: answer.value.url.trim() };
}

/**
 * Ask which of `remotes` (`chosen` first selected, else the first one);
 * null when cancelled. `action` labels the accept button, a warning one
 * when `warn`.
 */
export async function pickRemote(
  title: string,
  action: string,
  remotes: ReadonlyArray<IRemote>,
  chosen: string | null,
  warn = false
): Promise<string | null> {
  const first = remotes.some(r => r.name === chosen)
    ? (chosen as string)
    : remotes[0].name;
  const body = new FormBody({ remote: first }, onChange => (
    <RemotePicker remotes={remotes} chosen={first} onChange={onChange} />
  ));
  const answer = await showDialog({
    title,
    body,
    buttons: [
      Dialog.cancelButton(),
      warn
        ? Dialog.warnButton({ label: action, ariaLabel: action })
        : Dialog.okButton({ label: action, ariaLabel: action })
    ],
    focusNodeSelector: 'select'
  });
  return answer.button.accept && answer.value ? answer.value.remote : null;
}

/**
 * Ask whether to restore `version` of `notebook` in place, and whether its
 * `otherFiles` data and model files too; null when cancelled.
 */
export async function confirmRestore(
  version: IVersion,
  notebook: string,
  otherFiles: number
): Promise<{ files: boolean } | null> {
  const body = new FormBody(
    { files: false },
    onChange => (
      <RestoreForm
        version={version}
        notebook={notebook}
        otherFiles={otherFiles}
        onChange={onChange}
      />
    ),
    'jp-mv-RestoreBody'
  );
  const answer = await showDialog({
    title: `Restore ${version.name} in place?`,
    body,
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: 'Restore', ariaLabel: 'Restore' })
    ],
    defaultButton: 0
  });
  return answer.button.accept && answer.value ? answer.value : null;
}
