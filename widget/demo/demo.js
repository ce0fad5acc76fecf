// The partner's own code: listens to the widget's events. With direct booking off, this is where
// the partner's backend would take payment and book `detail.hold.holdToken` with its secret key.
const log = document.getElementById('event-log');
const events = [
  'happening-hold',
  'happening-hold-expired',
  'happening-booked',
  'happening-waitlisted',
  'happening-error',
];
for (const type of events) {
  document.addEventListener(type, (event) => {
    const item = document.createElement('li');
    item.dataset.type = type;
    const detail = event.detail;
    let text = type;
    if (type === 'happening-hold')
      text += ` (${detail.reason}): ${detail.hold.seats.join(', ') || 'nothing held'}`;
    else if (type === 'happening-booked') text += `: booking ${detail.booking.id}`;
    else if (type === 'happening-waitlisted') text += `: position ${detail.position}`;
    else if (type === 'happening-error') text += `: ${detail.code}`;
    else if (type === 'happening-hold-expired') text += `: ${detail.seatIds.join(', ')}`;
    item.textContent = text;
    log.prepend(item);
  });
}
