// Preloaded into both servers by the bench (node --expose-gc -r …): SIGUSR2 runs a full garbage collection,
// so that memory per connection is read as what the server retains, not as garbage not yet collected.
process.on('SIGUSR2', () => global.gc?.());
