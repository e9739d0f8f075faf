/**
 * The UI's view model: a pure fold of session events (and a few local actions) into what the
 * screen shows. No React, no timers: `reduceView(state, action)` is table-tested.
 */
import type { CandidateType, SessionState } from '../../peer/session-events.js';
import type { AnySessionEvent } from '../session-like.js';
import { safeLine } from '../terminal-text.js';

export type LineKind = 'system' | 'self' | 'partner' | 'error';
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'undelivered';

export interface ChatLine {
  /** Stable React key. */
  key: number;
  kind: LineKind;
  text: string;
  /** For `self` lines: the message id and its delivery status. */
  msgId?: string;
  status?: DeliveryStatus;
}

/** What the stranger sends: the session's `partner-media` event. */
export interface PartnerMedia {
  video: boolean;
  audio: boolean;
}

/**
 * A session event as the view sees it. `partner-media` is listed here too so the view handles it
 * whether or not src/peer/session-events.ts declares it yet (the union then holds it twice).
 */
export type ViewEvent = AnySessionEvent | { name: 'partner-media'; data: PartnerMedia };

export interface ViewState {
  sessionState: SessionState;
  /** The stranger's camera and microphone (both on until told otherwise; reset per stranger). */
  partnerMedia: PartnerMedia;
  /** The stranger records the call (`--record`): the status line says so. */
  partnerRecording: boolean;
  /** Media error codes already shown (each is shown once, not on every restart). */
  mediaErrorsShown: string[];
  interests: string[];
  candidateType: CandidateType | null;
  rttMs: number | null;
  setupMs: number | null;
  signalingUp: boolean;
  /** The signaling connection dropped after it had been up (cleared when it is back). */
  signalingLost: boolean;
  partnerReconnecting: boolean;
  /** Our own reconnect attempt in progress (attempt number when known). */
  selfReconnecting: { attempt: number | null } | null;
  /** Epoch ms until which "Stranger is typing…" shows; 0 = not typing. */
  partnerTypingUntil: number;
  /** The match the welcome line was shown for (a rebuilt connection is not greeted twice). */
  welcomedMatchId: string | null;
  /** Whether the session searches again by itself when the stranger leaves. */
  autoNext: boolean;
  lines: ChatLine[];
  nextKey: number;
}

export type ViewAction =
  | { type: 'session'; event: ViewEvent; now: number }
  | { type: 'system'; text: string; kind?: 'system' | 'error' }
  | { type: 'clear' };

export const MAX_LINES = 500;
const MEDIA_ON: PartnerMedia = { video: true, audio: true };
export const TYPING_SHOW_MS = 4000;

export const WELCOME_LINE = "You're now chatting with a random stranger. Say hi!";
export const HELP_HINT_LINE = 'Type /help for commands.';

export function initialView(opts: { autoNext?: boolean; notice?: string[] } = {}): ViewState {
  const base: ViewState = {
    sessionState: 'idle',
    partnerMedia: MEDIA_ON,
    partnerRecording: false,
    mediaErrorsShown: [],
    interests: [],
    candidateType: null,
    rttMs: null,
    setupMs: null,
    signalingUp: false,
    signalingLost: false,
    partnerReconnecting: false,
    selfReconnecting: null,
    partnerTypingUntil: 0,
    welcomedMatchId: null,
    autoNext: opts.autoNext ?? false,
    lines: [],
    nextKey: 0,
  };
  return [...(opts.notice ?? []), HELP_HINT_LINE].reduce((s, text) => addLine(s, 'system', text), base);
}

export function isPartnerTyping(state: ViewState, now: number): boolean {
  return state.partnerTypingUntil > now;
}

export function reduceView(state: ViewState, action: ViewAction): ViewState {
  switch (action.type) {
    case 'system':
      return addLine(state, action.kind ?? 'system', action.text);
    case 'clear':
      return { ...state, lines: [] };
    case 'session':
      return reduceEvent(state, action.event, action.now);
    default: {
      const never: never = action;
      return never;
    }
  }
}

function reduceEvent(state: ViewState, event: ViewEvent, now: number): ViewState {
  switch (event.name) {
    case 'state':
      return onState({ ...state, sessionState: event.data.state }, event.data.state, event.data.prev);
    case 'matched':
      return {
        ...state,
        interests: event.data.interests,
        partnerReconnecting: false,
        partnerMedia: MEDIA_ON,
        partnerRecording: false,
      };
    case 'partner-recording':
      if (event.data.recording === state.partnerRecording) return state;
      return addLine(
        { ...state, partnerRecording: event.data.recording },
        'system',
        event.data.recording ? 'Stranger is recording this chat.' : 'Stranger stopped recording.',
      );
    case 'media-error': {
      const { code, message } = event.data;
      if (state.mediaErrorsShown.includes(code)) return state;
      return addLine(
        { ...state, mediaErrorsShown: [...state.mediaErrorsShown, code] },
        'error',
        `${message} (${code})`,
      );
    }
    case 'partner-media': {
      const { video, audio } = event.data;
      if (video === state.partnerMedia.video && audio === state.partnerMedia.audio) return state;
      return { ...state, partnerMedia: { video, audio } };
    }
    case 'connected': {
      const next = {
        ...state,
        candidateType: event.data.candidateType,
        setupMs: event.data.setupMs,
        selfReconnecting: null,
        partnerReconnecting: false,
        welcomedMatchId: event.data.matchId,
      };
      if (state.welcomedMatchId === event.data.matchId) return next;
      const withWelcome = addLine(next, 'system', WELCOME_LINE);
      return state.interests.length > 0
        ? addLine(withWelcome, 'system', `You both like: ${state.interests.join(', ')}.`)
        : withWelcome;
    }
    case 'message':
      return { ...addLine(state, 'partner', event.data.text), partnerTypingUntil: 0 };
    case 'sent':
      return addLine(state, 'self', event.data.text, {
        msgId: event.data.id,
        status: event.data.queued ? 'queued' : 'sent',
      });
    case 'delivered':
      return setStatus(state, [event.data.id], 'delivered');
    case 'undelivered':
      return setStatus(state, event.data.ids, 'undelivered');
    case 'typing':
      return { ...state, partnerTypingUntil: now + TYPING_SHOW_MS };
    case 'partner-left': {
      const gone = {
        ...state,
        partnerTypingUntil: 0,
        partnerReconnecting: false,
        rttMs: null,
        candidateType: null,
        interests: [],
        partnerMedia: MEDIA_ON,
        partnerRecording: false,
      };
      const line = addLine(gone, 'system', partnerLeftText(event.data.reason));
      return state.autoNext ? line : addLine(line, 'system', 'Type /next to meet a new stranger.');
    }
    case 'reconnecting':
      if (event.data.who === 'partner') {
        return state.partnerReconnecting
          ? state
          : addLine({ ...state, partnerReconnecting: true }, 'system', 'Stranger is reconnecting…');
      }
      return addLine(
        { ...state, selfReconnecting: { attempt: event.data.attempt ?? null } },
        'system',
        event.data.attempt ? `Reconnecting… (attempt ${event.data.attempt})` : 'Reconnecting…',
      );
    case 'resumed':
      return event.data.who === 'partner'
        ? addLine({ ...state, partnerReconnecting: false }, 'system', 'Stranger is back.')
        : addLine({ ...state, selfReconnecting: null }, 'system', 'Reconnected.');
    case 'signaling':
      if (event.data.up) {
        const up = { ...state, signalingUp: true, signalingLost: false };
        return state.signalingLost ? addLine(up, 'system', 'Signaling server is back.') : up;
      }
      if (state.signalingLost) return state;
      return addLine(
        { ...state, signalingUp: false, signalingLost: true },
        'system',
        state.sessionState === 'connected'
          ? 'Lost the signaling server; chat continues peer-to-peer.'
          : 'Lost the signaling server; retrying…',
      );
    case 'stats':
      return { ...state, rttMs: event.data.rttMs, candidateType: event.data.candidateType };
    case 'error':
      return addLine(state, 'error', `${event.data.message} (${event.data.code})`);
    default: {
      const never: never = event;
      return never;
    }
  }
}

function onState(state: ViewState, next: SessionState, prev: SessionState): ViewState {
  if (next === 'searching' && prev !== 'searching') {
    return addLine(
      { ...state, selfReconnecting: null },
      'system',
      'Looking for a random stranger to chat with…',
    );
  }
  if (next === 'closed') return addLine(state, 'system', 'Session closed.');
  return state;
}

export function partnerLeftText(reason: string): string {
  switch (reason) {
    case 'skipped':
      return 'Stranger skipped you.';
    case 'left':
      return 'Stranger has disconnected.';
    case 'timeout':
      return 'Stranger has disconnected (no response).';
    case 'failed':
      return 'Stranger has disconnected (connection failed).';
    default:
      return 'Stranger has disconnected (connection lost).';
  }
}

function addLine(
  state: ViewState,
  kind: LineKind,
  text: string,
  extra: Pick<ChatLine, 'msgId' | 'status'> = {},
): ViewState {
  const line: ChatLine = { key: state.nextKey, kind, text: safeLine(text), ...extra };
  const lines = [...state.lines, line];
  return {
    ...state,
    lines: lines.length > MAX_LINES ? lines.slice(lines.length - MAX_LINES) : lines,
    nextKey: state.nextKey + 1,
  };
}

/** Updates the newest `self` line for each id (ids are unique within a match, not across). */
function setStatus(state: ViewState, ids: readonly string[], status: DeliveryStatus): ViewState {
  const lines = state.lines.slice();
  let changed = false;
  for (const id of ids) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i];
      if (line?.kind === 'self' && line.msgId === id) {
        if (line.status !== status) {
          lines[i] = { ...line, status };
          changed = true;
        }
        break;
      }
    }
  }
  return changed ? { ...state, lines } : state;
}
