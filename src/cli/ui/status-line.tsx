import { Box, Text } from 'ink';
import type { CandidateType, SessionState } from '../../peer/session-events.js';
import { useTheme } from './theme.js';
import type { PartnerMedia } from './view-model.js';

export interface StatusLineProps {
  sessionState: SessionState;
  interests: string[];
  candidateType: CandidateType | null;
  rttMs: number | null;
  /** The signaling server connection was lost (chat may go on peer-to-peer). */
  signalingDown: boolean;
  partnerReconnecting: boolean;
  selfReconnecting: boolean;
  /** The stranger's camera/microphone; shown while connected when one is off. */
  partnerMedia?: PartnerMedia;
  /** The stranger records the call (`--record`). */
  partnerRecording?: boolean;
}

const STATE_LABEL: Record<SessionState, string> = {
  idle: 'idle',
  searching: 'looking for a stranger…',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  closed: 'closed',
};

export function StatusLine(props: StatusLineProps) {
  const theme = useTheme();
  const stateColor =
    props.sessionState === 'connected'
      ? theme.ok
      : props.sessionState === 'closed'
        ? theme.error
        : theme.warn;
  const parts: string[] = [];
  if (props.sessionState === 'connected' && props.candidateType) parts.push(props.candidateType);
  if (props.sessionState === 'connected' && props.rttMs !== null)
    parts.push(`rtt ${Math.round(props.rttMs)} ms`);
  if (props.interests.length > 0) parts.push(`common: ${props.interests.join(', ')}`);
  const media: string[] = [];
  if (props.sessionState === 'connected' && props.partnerMedia) {
    if (!props.partnerMedia.video) media.push('Stranger paused video');
    if (!props.partnerMedia.audio) media.push('Stranger muted');
  }
  if (props.sessionState === 'connected' && props.partnerRecording) media.push('Stranger is recording');
  const warnings: string[] = [];
  if (props.signalingDown && props.sessionState !== 'closed') warnings.push('signaling down');
  if (props.partnerReconnecting) warnings.push('stranger reconnecting…');
  if (props.selfReconnecting && props.sessionState !== 'reconnecting') warnings.push('reconnecting…');
  return (
    <Box>
      <Text bold>randchat </Text>
      <Text color={stateColor}>● {STATE_LABEL[props.sessionState]}</Text>
      {parts.length > 0 ? <Text color={theme.muted}> · {parts.join(' · ')}</Text> : null}
      {media.length > 0 ? <Text color={theme.warn}> · {media.join(' · ')}</Text> : null}
      {warnings.length > 0 ? <Text color={theme.error}> · {warnings.join(' · ')}</Text> : null}
    </Box>
  );
}
