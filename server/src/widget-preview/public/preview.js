/**
 * The console's widget preview: the organization's widget exactly as a partner page embeds it
 * (the bundle from this server plus the element), with the event and a preview key from the
 * fragment, which browsers never send. The console frames this page with `sandbox="allow-scripts"`
 * only, so the document's origin is opaque: the widget can reach neither the console's DOM, nor its
 * storage, nor its bridge, even if the bundle were tampered with. `location.origin` is "null" then;
 * the server is the origin of the page's own address.
 */
const params = new URLSearchParams(location.hash.slice(1));
const root = document.getElementById('preview');
const server = new URL(location.href).origin;
const eventId = params.get('event') ?? '';
const key = params.get('key') ?? '';

/** @param {string} text */
function show(text) {
  const note = document.createElement('p');
  note.setAttribute('role', 'status');
  note.textContent = text;
  root?.replaceChildren(note);
}

if (!eventId) show('Choose an event on sale to preview.');
else if (!key) show('Open the preview from the console (Keys and embedding).');
else {
  const script = document.createElement('script');
  script.type = 'module';
  script.src = '/widget/happening.js';
  script.onerror = () => show('The widget script could not be loaded from this server.');
  document.head.append(script);
  const picker = document.createElement('happening-seat-picker');
  picker.setAttribute('event-id', eventId);
  picker.setAttribute('publishable-key', key);
  picker.setAttribute('server', server);
  root?.replaceChildren(picker);
}
