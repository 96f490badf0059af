import { useCallback, useEffect, useState } from 'preact/hooks';
import { credentials, whoami } from './api';
import { ConfirmHost } from './components';
import { formatAgo } from './format';
import { OverviewPage } from './pages/overview';
import { PipelinePage } from './pages/pipeline';
import { PipelineFormPage } from './pages/pipeline-form';
import { RolloutsPage } from './pages/rollouts';
import { WorkersPage } from './pages/workers';
import { LoginPage } from './pages/login';
import { sessionFromWhoami, signedInLabel, signedOut, storedToken, type Session } from './session';
import { SessionContext, useCan } from './use-session';
import { parseRoute, type Route } from './route';
import { useLive, useNow } from './store';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'pipeline':
      return <PipelinePage name={route.name} />;
    case 'edit':
      return <PipelineFormPage key={`edit-${route.name}`} name={route.name} />;
    case 'new':
      return <PipelineFormPage key="new" />;
    case 'workers':
      return <WorkersPage />;
    case 'rollouts':
      return <RolloutsPage />;
    default:
      return <OverviewPage />;
  }
}

/** Signs in (or finds that the controller needs no sign-in), then shows the fleet. */
export function App() {
  const [session, setSession] = useState<Session>({ phase: 'checking' });
  const signIn = useCallback(async (token: string | undefined) => {
    const s = sessionFromWhoami(await whoami(token), token, sessionStorage);
    credentials.token = s.phase === 'in' ? s.token : undefined;
    setSession(s);
  }, []);
  const signOut = useCallback((reason?: string) => {
    credentials.token = undefined;
    setSession(signedOut(sessionStorage, reason));
  }, []);
  useEffect(() => {
    // Any 401 later (a revoked or rotated token) returns to the login screen.
    credentials.onUnauthorized = (message) => signOut(`Signed out: ${message}`);
    void signIn(storedToken(sessionStorage));
  }, [signIn, signOut]);
  if (session.phase === 'checking') return <p class="muted">Connecting to the controller…</p>;
  if (session.phase === 'login') return <LoginPage error={session.error} onSubmit={signIn} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell
        label={signedInLabel(session.who)}
        onSignOut={session.who.via === 'token' ? signOut : undefined}
      />
    </SessionContext.Provider>
  );
}

function Shell({ label, onSignOut }: { label: string; onSignOut?: () => void }) {
  const route = useRoute();
  const { live, error, snap } = useLive();
  const now = useNow();
  const may = useCan();
  const nav: [string, string, boolean][] = [
    ['#/', 'Overview', route.page === 'overview' || route.page === 'pipeline'],
    ['#/workers', 'Workers', route.page === 'workers'],
    ['#/rollouts', 'Rollouts', route.page === 'rollouts'],
    ...(may('createPipeline')
      ? [['#/new', 'New pipeline', route.page === 'new'] as [string, string, boolean]]
      : []),
  ];
  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/">
          eos-fleet
        </a>
        <nav>
          {nav.map(([href, label, active]) => (
            <a
              key={href}
              href={href}
              class={active ? 'active' : ''}
              aria-current={active ? 'page' : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
        <span class={`conn ${live && !error ? 'conn-live' : 'conn-down'}`} data-testid="connection">
          {error
            ? `controller unreachable: ${error}`
            : live
              ? `live · updated ${formatAgo(snap.at, now)}`
              : 'connecting…'}
        </span>
        <span class="who" data-testid="signed-in">
          {label}
          {onSignOut && (
            <button type="button" class="link" onClick={() => onSignOut()}>
              Sign out
            </button>
          )}
        </span>
      </header>
      <main>
        <Page route={route} />
      </main>
      <ConfirmHost />
    </>
  );
}
