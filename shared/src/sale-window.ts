/**
 * Where an event's sale stands at a moment: one rule for the server's gates and every client's
 * countdown. Schema-free, so browser bundles may take it.
 */
export type SaleStateName = 'scheduled' | 'on_sale' | 'paused' | 'ended';

export interface SaleWindow {
  status: 'draft' | 'on_sale' | 'cancelled';
  onSaleAt: string | null;
  offSaleAt: string | null;
  salePaused: boolean;
}

export function saleStateOf(event: SaleWindow, now: number = Date.now()): SaleStateName {
  if (event.status === 'cancelled') return 'ended';
  if (event.status === 'draft') return 'scheduled';
  if (event.offSaleAt !== null && now >= Date.parse(event.offSaleAt)) return 'ended';
  if (event.onSaleAt !== null && now < Date.parse(event.onSaleAt)) return 'scheduled';
  return event.salePaused ? 'paused' : 'on_sale';
}
