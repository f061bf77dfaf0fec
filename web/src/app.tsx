import { useEffect, useMemo, useState } from 'preact/hooks';
import { onUnauthorized, tokenCredentials } from './api';
import { LangContext, useLang } from './context';
import { MESSAGES, storeLang, storedLang } from './i18n';
import type { Lang } from './i18n';
import { follow, parseRoute, useLocation } from './router';
import { IncidentList } from './screens/incident_list';
import { IncidentScreen } from './screens/incident_screen';
import { Overview } from './screens/overview';

export function App() {
  const [lang, setLang] = useState<Lang>(storedLang());
  const [needToken, setNeedToken] = useState(false);
  const [authEpoch, setAuthEpoch] = useState(0);
  const loc = useLocation();
  const route = parseRoute(loc.pathname);
  const state = useMemo(() => ({ lang, m: MESSAGES[lang] }), [lang]);
  const m = state.m;

  useEffect(() => onUnauthorized(() => setNeedToken(true)), []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const switchLang = () => {
    const next: Lang = lang === 'vi' ? 'en' : 'vi';
    storeLang(next);
    setLang(next);
  };

  return (
    <LangContext.Provider value={state}>
      <a class="skip" href="#main">
        {m.skip_to_content}
      </a>
      <header class="topbar">
        <a class="brand" href="/" onClick={follow}>
          wardsoc
        </a>
        <nav aria-label={m.nav_incidents}>
          <a href="/" onClick={follow} aria-current={route.name === 'list' ? 'page' : undefined}>
            {m.nav_incidents}
          </a>
          <a href="/overview" onClick={follow} aria-current={route.name === 'overview' ? 'page' : undefined}>
            {m.nav_overview}
          </a>
        </nav>
        <button type="button" class="lang" onClick={switchLang} aria-label={m.switch_lang_label} lang={lang === 'vi' ? 'en' : 'vi'}>
          {m.switch_lang}
        </button>
      </header>
      <main id="main" tabIndex={-1} key={authEpoch}>
        {needToken ? (
          <TokenForm
            onDone={() => {
              setNeedToken(false);
              setAuthEpoch((e) => e + 1);
            }}
          />
        ) : route.name === 'list' ? (
          <IncidentList search={loc.search} />
        ) : route.name === 'overview' ? (
          <Overview />
        ) : route.name === 'incident' ? (
          <IncidentScreen id={route.id} />
        ) : (
          <p class="notice">{m.not_found}</p>
        )}
      </main>
    </LangContext.Provider>
  );
}

function TokenForm({ onDone }: { onDone: () => void }) {
  const { m } = useLang();
  const [token, setToken] = useState('');
  return (
    <form
      class="card login"
      onSubmit={(e) => {
        e.preventDefault();
        if (!token.trim()) return;
        tokenCredentials.set(token.trim());
        onDone();
      }}
    >
      <h1>{m.login_title}</h1>
      <p>{m.login_text}</p>
      <label>
        {m.token}
        <input type="password" autoComplete="current-password" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} required />
      </label>
      <button type="submit" class="primary">
        {m.login}
      </button>
    </form>
  );
}
