export * from './Dialogs';
export * from './VersionItem';
export * from './VersionsPanel';
export * from './VersionsView';
