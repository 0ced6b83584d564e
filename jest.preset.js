const nxPreset = require('@nx/jest/preset').default;

// Every test runs in UTC, so that ISO times and dates never depend on the machine.
process.env.TZ = 'UTC';

module.exports = { ...nxPreset };
