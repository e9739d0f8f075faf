import { useEffect, useReducer, useState } from 'react';
import { subscribeAll, type SessionLike } from '../session-like.js';
import { initialView, isPartnerTyping, reduceView, type ViewAction, type ViewState } from './view-model.js';

export interface UseSessionOptions {
  autoNext?: boolean;
  /** System lines to show first (e.g. "Serving on ws://…"). */
  notice?: string[];
  now?: () => number;
}

export interface SessionView {
  view: ViewState;
  partnerTyping: boolean;
  dispatch: (action: ViewAction) => void;
}

/** Folds the session's events into the view model; re-renders when "typing…" expires. */
export function useSession(session: SessionLike, opts: UseSessionOptions = {}): SessionView {
  const now = opts.now ?? Date.now;
  const [view, dispatch] = useReducer(reduceView, undefined, () => ({
    ...initialView({ autoNext: opts.autoNext ?? false, notice: opts.notice ?? [] }),
    sessionState: session.state,
    signalingUp: session.signalingUp,
    interests: session.interests,
  }));
  const [, setTick] = useState(0);

  useEffect(
    () => subscribeAll(session, (event) => dispatch({ type: 'session', event, now: now() })),
    [session, now],
  );

  const typingUntil = view.partnerTypingUntil;
  useEffect(() => {
    const wait = typingUntil - now();
    if (wait <= 0) return;
    const timer = setTimeout(() => setTick((t) => t + 1), wait + 10);
    return () => clearTimeout(timer);
  }, [typingUntil, now]);

  return { view, partnerTyping: isPartnerTyping(view, now()), dispatch };
}
