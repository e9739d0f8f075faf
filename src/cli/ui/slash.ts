/** Slash commands of the chat UI: parsing, completion and the hint line. Pure. */

export const SLASH_COMMANDS = [
  { name: 'next', description: 'skip this stranger and find a new one' },
  { name: 'reconnect', description: 'rebuild the connection to this stranger' },
  { name: 'stats', description: 'show connection details' },
  { name: 'block', description: 'never meet this (or the last) stranger again, and skip them' },
  { name: 'report', description: 'report this (or the last) stranger: /report <reason>' },
  { name: 'video', description: 'turn your video on or off: /video on, /video off' },
  { name: 'mute', description: 'mute or unmute your microphone' },
  { name: 'self', description: 'show or hide your own picture in the video pane' },
  { name: 'clear', description: 'clear the chat log' },
  { name: 'help', description: 'show commands and keys' },
  { name: 'quit', description: 'leave and exit (also Ctrl+C)' },
] as const;
export type SlashName = (typeof SLASH_COMMANDS)[number]['name'];

export type ParsedInput =
  | { kind: 'empty' }
  | { kind: 'chat'; text: string }
  /** `arg`: the first word after the name, for commands that take one (`/video on`). */
  | { kind: 'command'; name: SlashName; arg?: string }
  | { kind: 'unknown'; name: string };

const NAMES: readonly string[] = SLASH_COMMANDS.map((c) => c.name);
const isSlashName = (v: string): v is SlashName => NAMES.includes(v);
const TAKES_ARG: readonly SlashName[] = ['video'];
/** Commands whose argument is the rest of the line, as typed (`/report spam and insults`). */
const TAKES_TEXT: readonly SlashName[] = ['report'];

/** `/next` → command; `//hi` → chat "/hi"; other `/x` → unknown; anything else → chat. */
export function parseInput(value: string): ParsedInput {
  const trimmed = value.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (trimmed.startsWith('//')) return { kind: 'chat', text: trimmed.slice(1) };
  if (!trimmed.startsWith('/')) return { kind: 'chat', text: value };
  const [first, second] = trimmed.slice(1).split(/\s+/, 2);
  const name = first?.toLowerCase() ?? '';
  if (!isSlashName(name)) return { kind: 'unknown', name };
  if (TAKES_TEXT.includes(name)) {
    const text = trimmed.slice(1 + (first?.length ?? 0)).trim();
    return text ? { kind: 'command', name, arg: text } : { kind: 'command', name };
  }
  return TAKES_ARG.includes(name) && second
    ? { kind: 'command', name, arg: second.toLowerCase() }
    : { kind: 'command', name };
}

/** Commands whose name starts with what was typed after `/` (none once a space is typed). */
export function matchingCommands(value: string): (typeof SLASH_COMMANDS)[number][] {
  if (!value.startsWith('/') || value.startsWith('//') || /\s/.test(value)) return [];
  const prefix = value.slice(1).toLowerCase();
  return SLASH_COMMANDS.filter((c) => c.name.startsWith(prefix));
}

/** Tab completion: the unique match, else the longest common prefix, else the input unchanged. */
export function completeSlash(value: string): string {
  const names = matchingCommands(value).map((c) => c.name);
  const first = names[0];
  if (first === undefined) return value;
  if (names.length === 1) return `/${first}`;
  let prefix: string = first;
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.length + 1 > value.length ? `/${prefix}` : value;
}

/** The hint shown under the input while typing a command, or null. */
export function slashHint(value: string): string | null {
  if (!value.startsWith('/') || value.startsWith('//')) return null;
  const matches = matchingCommands(value);
  if (matches.length === 0) {
    return /\s/.test(value) ? null : `Unknown command. Commands: ${NAMES.map((n) => '/' + n).join(' ')}`;
  }
  if (matches.length === 1 && matches[0]) return `/${matches[0].name} — ${matches[0].description}`;
  return matches.map((c) => `/${c.name}`).join('  ') + '   (Tab to complete)';
}

export function unknownCommandText(name: string): string {
  return `Unknown command /${name}. Type /help for the list (start with // to send a message beginning with /).`;
}

export const HELP_LINES: readonly string[] = [
  'Commands:',
  ...SLASH_COMMANDS.map((c) => `  /${c.name.padEnd(10)} ${c.description}`),
  'Keys: Enter send · ↑/↓ history · Tab complete · PageUp/PageDown scroll · Ctrl+C quit',
];
