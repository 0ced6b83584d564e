/**
 * How the console currently receives a stream's events: the `connection-state` test hook (CONTRACT §7),
 * and `ended` (issue 13): the server closed a finished workflow's stream after its final event, and nothing
 * more will come.
 */
export type ConnectionState = 'live' | 'reconnecting' | 'polling' | 'offline' | 'ended';
