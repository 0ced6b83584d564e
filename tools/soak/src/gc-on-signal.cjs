// Preloaded into the soak's server (node --expose-gc -r …): SIGUSR2 runs a full garbage collection, so that
// the baseline and end figures are what the server retains, not garbage not yet collected.
process.on('SIGUSR2', () => global.gc?.());
