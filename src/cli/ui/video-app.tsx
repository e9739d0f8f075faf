/** The chat screen with a video pane: App told how many rows the pane keeps, and given the pane. */
import { useSyncExternalStore } from 'react';
import { App, type AppProps } from './app.js';
import type { VideoPane } from './video-pane.js';

export function AppWithVideo({
  pane,
  ...props
}: Omit<AppProps, 'reservedRows' | 'video'> & { pane: VideoPane }) {
  const reservedRows = useSyncExternalStore(pane.subscribe, () => pane.reservedRows);
  return <App {...props} reservedRows={reservedRows} video={pane} />;
}
