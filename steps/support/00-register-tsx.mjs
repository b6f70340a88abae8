// Loaded first by cucumber (see cucumber.mjs) so the TypeScript step definitions can be imported.
import 'tsx/esm';
