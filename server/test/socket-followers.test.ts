/** Who follows what on one server: bounded per socket, forgotten with the socket. */
import { describe, expect, it } from 'vitest';
import { SocketFollowers } from '../src/realtime/socket-followers.js';

const socket = (id: string) => ({ id });

describe('SocketFollowers', () => {
  it('tells each key its followers, drops a socket’s oldest key past the limit, forgets a socket', () => {
    const followers = new SocketFollowers<{ id: string }>(2);
    const [a, b] = [socket('a'), socket('b')];
    followers.follow('t1', a);
    followers.follow('t1', b);
    followers.follow('t2', a);
    expect([...followers.followersOf('t1')].map((s) => s.id)).toEqual(['a', 'b']);
    // Following t1 again makes it a's newest, so t2 is the one to go when t3 comes.
    followers.follow('t1', a);
    followers.follow('t3', a);
    expect([...followers.followersOf('t2')]).toEqual([]);
    expect([...followers.keys()].sort()).toEqual(['t1', 't3']);
    followers.forget(a);
    expect([...followers.followersOf('t1')].map((s) => s.id)).toEqual(['b']);
    expect([...followers.keys()]).toEqual(['t1']);
    followers.unfollow('t1', b);
    expect([...followers.keys()]).toEqual([]);
  });
});
