import { useEffect, useState } from 'preact/hooks';
import { ConfirmHost } from './components';
import { formatAgo } from './format';
import { OverviewPage } from './pages/overview';
import { PipelinePage } from './pages/pipeline';
import { PipelineFormPage } from './pages/pipeline-form';
import { RolloutsPage } from './pages/rollouts';
import { WorkersPage } from './pages/workers';
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

export function App() {
  const route = useRoute();
  const { live, error, snap } = useLive();
  const now = useNow();
  const nav: [string, string, boolean][] = [
    ['#/', 'Overview', route.page === 'overview' || route.page === 'pipeline'],
    ['#/workers', 'Workers', route.page === 'workers'],
    ['#/rollouts', 'Rollouts', route.page === 'rollouts'],
    ['#/new', 'New pipeline', route.page === 'new'],
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
      </header>
      <main>
        <Page route={route} />
      </main>
      <ConfirmHost />
    </>
  );
}
