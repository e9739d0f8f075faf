import { Box, Text } from 'ink';
import type { ChatLine, DeliveryStatus } from './view-model.js';
import { useTheme, type Theme } from './theme.js';

export interface ChatLogProps {
  lines: readonly ChatLine[];
  /** Rows available for the log. */
  height: number;
  /** How many lines the view is scrolled up from the newest (0 = follow the newest). */
  scrollOffset: number;
}

const MARK: Record<DeliveryStatus, string> = {
  queued: ' …',
  sent: '',
  delivered: ' ✓',
  undelivered: ' ✗ not delivered',
};

/**
 * The chat log: newest at the bottom. Lines wrap; whatever does not fit is clipped at the top,
 * so scrolling is by log line (PageUp/PageDown move the offset).
 */
export function ChatLog({ lines, height, scrollOffset }: ChatLogProps) {
  const theme = useTheme();
  const offset = Math.max(0, Math.min(scrollOffset, lines.length - 1));
  const visible = lines.slice(Math.max(0, lines.length - offset - height), lines.length - offset);
  const rows = offset > 0 ? height - 1 : height;
  return (
    <Box flexDirection="column" height={height} flexShrink={0}>
      <Box flexDirection="column" height={rows} overflow="hidden" justifyContent="flex-end">
        {visible.map((line) => (
          <Box key={line.key} flexShrink={0}>
            <LogLine line={line} theme={theme} />
          </Box>
        ))}
      </Box>
      {offset > 0 ? (
        <Text color={theme.muted}>
          ↓ {offset} newer line{offset === 1 ? '' : 's'} below (PageDown)
        </Text>
      ) : null}
    </Box>
  );
}

function LogLine({ line, theme }: { line: ChatLine; theme: Theme }) {
  switch (line.kind) {
    case 'self':
      return (
        <Text wrap="wrap">
          <Text color={theme.self} bold>
            You:{' '}
          </Text>
          {line.text}
          <Text color={line.status === 'undelivered' ? theme.error : theme.ok}>
            {MARK[line.status ?? 'sent']}
          </Text>
        </Text>
      );
    case 'partner':
      return (
        <Text wrap="wrap">
          <Text color={theme.partner} bold>
            Stranger:{' '}
          </Text>
          {line.text}
        </Text>
      );
    case 'error':
      return (
        <Text wrap="wrap" color={theme.error}>
          ! {line.text}
        </Text>
      );
    case 'system':
      return (
        <Text wrap="wrap" color={theme.system} italic={theme.color}>
          {line.text}
        </Text>
      );
  }
}
