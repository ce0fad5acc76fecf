// A React 19 page embedding the element the way the README shows: attributes as JSX props and
// the element's events through a ref. Built by test/frameworks.test.ts.
import { createElement, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';

function TicketsPage({ server, eventId }: { server: string; eventId: string }) {
  const picker = useRef<HTMLElement>(null);
  const [held, setHeld] = useState<string[]>([]);
  useEffect(() => {
    const element = picker.current!;
    const onHold = (event: Event) =>
      setHeld((event as CustomEvent<{ hold: { seats: string[] } }>).detail.hold.seats);
    element.addEventListener('happening-hold', onHold);
    return () => element.removeEventListener('happening-hold', onHold);
  }, []);
  return createElement(
    'main',
    null,
    createElement('h1', null, 'React partner page'),
    createElement('happening-seat-picker', {
      ref: picker,
      'event-id': eventId,
      'publishable-key': 'pk_test',
      server,
    }),
    createElement(
      'p',
      { id: 'react-held' },
      held.length ? `React saw: ${held.join(', ')}` : 'React saw nothing yet',
    ),
  );
}

const mount = document.getElementById('root')!;
createRoot(mount).render(
  createElement(TicketsPage, { server: mount.dataset.server!, eventId: mount.dataset.event! }),
);
