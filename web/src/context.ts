import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { MESSAGES } from './i18n';
import type { Lang, Messages } from './i18n';

export interface LangState {
  lang: Lang;
  m: Messages;
}

export const LangContext = createContext<LangState>({ lang: 'vi', m: MESSAGES.vi });

export function useLang(): LangState {
  return useContext(LangContext);
}
