/**
 * The CLI's entry for target files (docs/target-file.md): load and mask them, describe and probe what they name.
 * Separate from adapters/index.ts so that a run against the reference does not load the YAML parser, plug-ins and
 * probes it does not use; the run itself opens a target file through openSystemUnderTest.
 */
export { loadTargetFile, maskTargetText, iccidRange, YamlSchemaError, type TargetFile } from './target/target-file.ts';
export { timeoutsOf, describeTarget, type Timeouts } from './target/target-system.ts';
export { loadPluginFactory } from './target/plugins.ts';
export { probeTarget, type ProbeResult } from './target/probe.ts';
