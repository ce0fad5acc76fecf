/**
 * The widget preview frame: loads the organization's widget from its server exactly as a partner
 * page would (script tag + element), with the event and publishable key from the URL hash.
 */
const params = new URLSearchParams(location.hash.slice(1));
const server = params.get('server') ?? '';
const root = document.getElementById('preview')!;

function show(message: string): void {
  root.textContent = message;
}

let serverUrl: URL | null = null;
try {
  serverUrl = new URL(server);
} catch {
  serverUrl = null;
}
if (!serverUrl || !/^https?:$/.test(serverUrl.protocol)) show('No server to load the widget from.');
else if (!params.get('event')) show('Choose an event on sale to preview.');
else {
  const script = document.createElement('script');
  script.type = 'module';
  script.src = `${serverUrl.origin}/widget/happening.js`;
  script.onerror = () =>
    show(`The widget script could not be loaded from ${serverUrl?.origin}/widget/happening.js.`);
  document.head.append(script);
  const picker = document.createElement('happening-seat-picker');
  picker.setAttribute('event-id', params.get('event') ?? '');
  picker.setAttribute('publishable-key', params.get('key') ?? '');
  picker.setAttribute('server', serverUrl.origin);
  root.replaceChildren(picker);
}
