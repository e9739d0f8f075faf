/** Colours used by the UI. With colour off every entry is undefined, so Ink prints plain text. */
import { createContext, useContext } from 'react';

export interface Theme {
  color: boolean;
  system: string | undefined;
  self: string | undefined;
  partner: string | undefined;
  error: string | undefined;
  ok: string | undefined;
  warn: string | undefined;
  muted: string | undefined;
}

export function makeTheme(color: boolean): Theme {
  return color
    ? {
        color,
        system: 'gray',
        self: 'cyan',
        partner: 'magenta',
        error: 'red',
        ok: 'green',
        warn: 'yellow',
        muted: 'gray',
      }
    : {
        color,
        system: undefined,
        self: undefined,
        partner: undefined,
        error: undefined,
        ok: undefined,
        warn: undefined,
        muted: undefined,
      };
}

export const ThemeContext = createContext<Theme>(makeTheme(false));
export const useTheme = (): Theme => useContext(ThemeContext);
