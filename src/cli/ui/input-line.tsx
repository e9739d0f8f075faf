import { Box, Text } from 'ink';
import { useTheme } from './theme.js';

export interface InputLineProps {
  value: string;
  /** Cursor position in code points. */
  cursor: number;
  partnerTyping: boolean;
  /** Hint under the input (slash-command help), or null. */
  hint: string | null;
  placeholder?: string;
}

/** "Stranger is typing…" row, the prompt with a block cursor, and the hint row. Always 3 rows. */
export function InputLine({ value, cursor, partnerTyping, hint, placeholder }: InputLineProps) {
  const theme = useTheme();
  const chars = Array.from(value);
  const before = chars.slice(0, cursor).join('');
  const at = chars[cursor] ?? ' ';
  const after = chars.slice(cursor + 1).join('');
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text color={theme.muted}>{partnerTyping ? 'Stranger is typing…' : ' '}</Text>
      <Box>
        <Text color={theme.self} bold>
          {'> '}
        </Text>
        {value === '' && placeholder ? (
          <Text>
            <Text inverse> </Text>
            <Text color={theme.muted}>{placeholder}</Text>
          </Text>
        ) : (
          <Text wrap="truncate-start">
            {before}
            <Text inverse>{at}</Text>
            {after}
          </Text>
        )}
      </Box>
      <Text color={theme.muted} wrap="truncate-end">
        {hint ?? ' '}
      </Text>
    </Box>
  );
}
