export * from './Dialogs';
export * from './ReproduceDialog';
export * from './VersionItem';
export * from './VersionsPanel';
export * from './VersionsView';
