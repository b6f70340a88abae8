/** Parameter types shared by the step definitions. */
import { defineParameterType } from '@cucumber/cucumber';

defineParameterType({ name: 'replay', regexp: /and ReplayCheck|without ReplayCheck/, transformer: (s: string) => s.startsWith('and') });
defineParameterType({ name: 'direction', regexp: /up|down/, transformer: (s: string) => s as 'up' | 'down' });

