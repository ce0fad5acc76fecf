/**
 * The client's address as every limit and cap sees it. REST reads `request.ip`; sockets read this,
 * so both transports name one attendee the same way.
 */
export function socketClientAddress(socket: { handshake: { address: string } }): string {
  return socket.handshake.address;
}
