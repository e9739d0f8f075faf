/**
 * The chat screen. A thin view: it folds session events into a view model (useSession), turns
 * keys into session commands, and renders pure components. No business logic lives here.
 */
import { Box, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { SessionLike } from '../session-like.js';
import { ChatLog } from './chat-log.js';
import { InputLine } from './input-line.js';
import { editInput, emptyInput, type InputState } from './input-state.js';
import { callMediaCommand, parseOnOff, type VideoControls } from './media-commands.js';
import { HELP_LINES, parseInput, slashHint, unknownCommandText, type SlashName } from './slash.js';
import { StatusLine } from './status-line.js';
import { useSession, type SessionView } from './use-session.js';
import type { ViewState } from './view-model.js';

export interface AppProps {
  session: SessionLike;
  /** Called once for /quit or Ctrl+C; the caller stops the session and unmounts. */
  onQuit: () => void;
  autoNext?: boolean;
  notice?: string[];
  now?: () => number;
  /** Rows at the top of the screen kept for the video pane; Ink draws below them (default 0). */
  reservedRows?: number;
  /** The video pane, when the UI runs with video (/video, /self, the "paused" overlay). */
  video?: VideoControls;
}

/** Rows around the log: status line + typing row + input + hint. */
const CHROME_ROWS = 4;

export function App({ session, onQuit, autoNext, notice, now, reservedRows, video }: AppProps) {
  const { view, partnerTyping, dispatch } = useSession(session, {
    autoNext: autoNext ?? false,
    notice: notice ?? [],
    ...(now ? { now } : {}),
  });
  const rows = useTerminalRows() - (reservedRows ?? 0);
  const logHeight = Math.max(3, rows - 1 - CHROME_ROWS);
  const [muted, setMuted] = useState(false);
  const pausedText =
    view.sessionState === 'connected' && !view.partnerMedia.video ? 'Stranger paused video' : null;
  useEffect(() => {
    video?.setPaused(pausedText);
  }, [video, pausedText]);
  const [input, setInput] = useState<InputState>(emptyInput);
  // Keys can arrive faster than renders: edit the latest state, not the rendered one.
  const inputRef = useRef<InputState>(emptyInput);
  const [scroll, setScroll] = useState(0);

  const systemLine = (text: string): void => dispatch({ type: 'system', text });
  const onMediaError = (err: unknown): void =>
    dispatch({ type: 'system', kind: 'error', text: errorText(err) });

  const runCommand = (name: SlashName, arg?: string): void => {
    switch (name) {
      case 'video': {
        const on = parseOnOff(arg);
        if (on === null) return systemLine('Usage: /video on, /video off');
        const sent = callMediaCommand(session, 'setVideo', on, onMediaError);
        video?.setVisible(on);
        if (!sent && !video) return systemLine('Video is not available in this session.');
        return systemLine(on ? 'Video on.' : 'Video off.');
      }
      case 'mute': {
        if (!callMediaCommand(session, 'setMuted', !muted, onMediaError))
          return systemLine('Audio is not available in this session.');
        setMuted(!muted);
        return systemLine(muted ? 'Microphone on.' : 'Microphone muted.');
      }
      case 'self': {
        if (!video) return systemLine('Video is not available in this session.');
        const on = video.toggleSelfView();
        // The session sends our own frames only while the corner shows them.
        callMediaCommand(session, 'setSelfView', on, onMediaError);
        return systemLine(on ? 'Self-view on.' : 'Self-view off.');
      }
      case 'next':
        if (view.sessionState === 'connected')
          dispatch({ type: 'system', text: 'You skipped this stranger.' });
        return session.next();
      case 'block':
        try {
          session.block();
          return systemLine('Blocked: you will not be matched with this stranger again.');
        } catch (err) {
          return dispatch({ type: 'system', kind: 'error', text: errorText(err) });
        }
      case 'report':
        if (!arg) return systemLine('Usage: /report <reason>');
        try {
          session.report(arg);
          return systemLine('Reported. Thank you; the server operator will review it.');
        } catch (err) {
          return dispatch({ type: 'system', kind: 'error', text: errorText(err) });
        }
      case 'reconnect':
        session
          .reconnect()
          .catch((err: unknown) => dispatch({ type: 'system', kind: 'error', text: errorText(err) }));
        return;
      case 'clear':
        setScroll(0);
        return dispatch({ type: 'clear' });
      case 'help':
        for (const text of HELP_LINES) dispatch({ type: 'system', text });
        return;
      case 'stats':
        return dispatch({ type: 'system', text: statsText(view, session) });
      case 'quit':
        return onQuit();
    }
  };

  const submit = (line: string): void => {
    const parsed = parseInput(line);
    setScroll(0);
    if (parsed.kind === 'chat') {
      try {
        session.send(parsed.text);
      } catch (err) {
        dispatch({ type: 'system', kind: 'error', text: errorText(err) });
      }
    } else if (parsed.kind === 'command') {
      runCommand(parsed.name, parsed.arg);
    } else if (parsed.kind === 'unknown') {
      dispatch({ type: 'system', kind: 'error', text: unknownCommandText(parsed.name) });
    }
  };

  useInput((char, key) => {
    if (key.ctrl && char === 'c') return onQuit();
    if (key.pageUp || key.pageDown) {
      const page = Math.max(1, logHeight - 2);
      const max = Math.max(0, view.lines.length - (logHeight - 1));
      setScroll((s) => Math.max(0, Math.min(max, s + (key.pageUp ? page : -page))));
      return;
    }
    const result = editInput(inputRef.current, char, key);
    inputRef.current = result.state;
    setInput(result.state);
    if (result.typed && !result.state.value.startsWith('/')) session.typing();
    if (result.submit !== undefined) submit(result.submit);
  });

  return (
    <Box flexDirection="column" height={rows - 1}>
      <StatusLine
        sessionState={view.sessionState}
        interests={view.interests}
        candidateType={view.candidateType}
        rttMs={view.rttMs}
        signalingDown={view.signalingLost}
        partnerReconnecting={view.partnerReconnecting}
        selfReconnecting={view.selfReconnecting !== null}
        partnerMedia={view.partnerMedia}
        partnerRecording={view.partnerRecording}
      />
      <ChatLog lines={view.lines} height={logHeight} scrollOffset={scroll} />
      <InputLine
        value={input.value}
        cursor={input.cursor}
        partnerTyping={partnerTyping}
        hint={slashHint(input.value)}
        placeholder={placeholderFor(view)}
      />
    </Box>
  );
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function placeholderFor(view: ViewState): string {
  if (view.sessionState === 'connected') return 'Type a message, /help for commands';
  if (view.sessionState === 'idle') return '/next to meet a stranger, /quit to leave';
  return 'Waiting for a stranger… (/quit to leave)';
}

export function statsText(
  view: SessionView['view'],
  session: Pick<SessionLike, 'matchId' | 'signalingUp'>,
): string {
  const parts = [
    `state ${view.sessionState}`,
    `signaling ${session.signalingUp ? 'up' : 'down'}`,
    `connection ${view.candidateType ?? 'n/a'}`,
    `rtt ${view.rttMs === null ? 'n/a' : `${Math.round(view.rttMs)} ms`}`,
    `setup ${view.setupMs === null ? 'n/a' : `${Math.round(view.setupMs)} ms`}`,
  ];
  if (session.matchId) parts.push(`match ${session.matchId}`);
  return `Stats: ${parts.join(' · ')}`;
}

function useTerminalRows(): number {
  const { stdout } = useStdout();
  const [rows, setRows] = useState(stdout.rows || 24);
  useEffect(() => {
    const onResize = (): void => setRows(stdout.rows || 24);
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return rows;
}
