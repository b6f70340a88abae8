// Cucumber configuration for running the features directly (`npx cucumber-js`). The `run` command of
// obf-conformance builds its own configuration on top of this one (reports, world parameters).
export default {
  paths: ['features/**/*.feature'],
  import: ['steps/support/00-register-tsx.mjs', 'steps/**/*.ts'],
  format: ['progress'],
  strict: true,
};
