import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { can, type Session } from './session';

/** The signed-in session, for pages that hide what the role may not do. */
export const SessionContext = createContext<Session>({ phase: 'checking' });

/** `can('drainWorker')`: whether the signed-in identity may call that operation. */
export function useCan(): (operation: string) => boolean {
  const s = useContext(SessionContext);
  return (operation) => can(s, operation);
}
